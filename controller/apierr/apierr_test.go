package apierr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/store"
)

func TestWrite(t *testing.T) {
	for _, c := range []struct {
		err          error
		status       int
		code, field  string
		retry, inMsg string
	}{
		{apierr.Invalid("password", "too short"), 400, "invalid", "password", "", "too short"},
		{&apierr.Error{Status: 429, Code: apierr.CodeTooManyRequests, Message: "slow", RetryAfter: 1500 * time.Millisecond}, 429, "too_many_requests", "", "2", "slow"},
		{store.NotFound("site", "no site %q", "x"), 404, "not_found", "", "", "no site"},
		{fmt.Errorf("wrapped: %w", store.Conflict("user", "name", nil, "taken")), 409, "conflict", "name", "", "taken"},
		{errors.New("database password=hunter2 is wrong"), 500, "internal", "", "", "internal error"},
	} {
		rec := httptest.NewRecorder()
		apierr.Write(rec, c.err)
		var body struct {
			Error struct{ Code, Message, Field string } `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if rec.Code != c.status || body.Error.Code != c.code || body.Error.Field != c.field ||
			rec.Header().Get("Retry-After") != c.retry || !strings.Contains(body.Error.Message, c.inMsg) ||
			rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%v: %d %s %v", c.err, rec.Code, rec.Body, rec.Header())
		}
		if strings.Contains(rec.Body.String(), "hunter2") {
			t.Fatal("internal error leaked")
		}
	}
}

func TestDecode(t *testing.T) {
	type in struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	for _, c := range []struct {
		ctype, body string
		status      int
		field       string
	}{
		{"application/json", `{"name":"a","n":1}`, 0, ""},
		{"application/json; charset=utf-8", `{"name":"a"}`, 0, ""},
		{"text/plain", `{"name":"a"}`, 415, ""},
		{"application/json", `{"name":"a","x":1}`, 400, "x"},
		{"application/json", `{"n":"one"}`, 400, "n"},
		{"application/json", `{"name":"a"}{"name":"b"}`, 400, ""},
		{"application/json", `[`, 400, ""},
		{"application/json", `{"name":"` + strings.Repeat("a", apierr.MaxBody) + `"}`, 413, ""},
	} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		req.Header.Set("Content-Type", c.ctype)
		var v in
		err := apierr.Decode(httptest.NewRecorder(), req, &v)
		if c.status == 0 {
			if err != nil || v.Name != "a" {
				t.Errorf("%q: %v %+v", c.body, err, v)
			}
			continue
		}
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != c.status || e.Field != c.field {
			t.Errorf("%.30q: %v", c.body, err)
		}
	}
}
