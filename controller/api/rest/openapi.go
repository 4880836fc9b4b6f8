package rest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/patronus-sdwan/patronus/controller/apierr"

	"go.yaml.in/yaml/v3"
)

// openAPIYAML is the REST API's OpenAPI 3 document, kept as YAML for
// people and served as JSON.
//
//go:embed openapi.yaml
var openAPIYAML []byte

var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("rest: openapi.yaml: %w", err)
	}
	return json.Marshal(doc)
})

// OpenAPI returns the OpenAPI 3 document as JSON.
func OpenAPI() ([]byte, error) { return openAPIJSON() }

// ServeOpenAPI answers GET /api/v1/openapi.json with the document.
func ServeOpenAPI(w http.ResponseWriter, r *http.Request) {
	doc, err := OpenAPI()
	if err != nil {
		apierr.Write(w, apierr.New(http.StatusInternalServerError, apierr.CodeInternal, "internal error"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(doc)
}
