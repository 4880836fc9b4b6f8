package api_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// sqlish are values that would change a query built by pasting strings.
var sqlish = []string{
	`' OR '1'='1`,
	`a'; DROP TABLE sites; --`,
	`" OR ""="`,
	`%' OR 1=1 --`,
	`a\'); DELETE FROM audit_log; --`,
	"a\x00b",
}

// TestSQLMetacharacters sends SQL metacharacters in every query parameter
// of every route the document lists, and in every path wildcard: no
// answer is a 500, none matches more than it should, and the data is
// intact afterwards.
func TestSQLMetacharacters(t *testing.T) {
	e := newEnv(t, nil)
	sp := loadSpec(t, e)
	sent := 0
	for path, item := range sp.doc.Paths.Map() {
		for method, op := range item.Operations() {
			params := append(item.Parameters, op.Parameters...)
			for _, p := range params {
				name, in := p.Value.Name, p.Value.In
				if in != "query" && in != "path" {
					continue
				}
				for _, v := range sqlish {
					target := concrete("/api/v1" + path)
					if in == "query" {
						target += "?" + url.Values{name: {v}}.Encode()
					} else {
						target = concrete(strings.Replace("/api/v1"+path, "{"+name+"}", url.PathEscape(v), 1))
					}
					resp, body := e.do(req{method: method, path: target, token: adm, body: bodyFor(method, path)})
					sent++
					if resp.StatusCode >= 500 {
						t.Fatalf("%s %s: %d %s", method, target, resp.StatusCode, body)
					}
					if resp.StatusCode == 200 && method == "GET" && strings.Contains(string(body), `"items":[{`) && in == "query" &&
						(name == "site" || name == "actor" || name == "kind" || name == "name_prefix") {
						t.Fatalf("%s %s matched something: %s", method, target, body)
					}
				}
			}
		}
	}
	if sent < 300 {
		t.Fatalf("only %d requests sent", sent)
	}
	sites, err := e.st.Sites(context.Background(), "default")
	if err != nil || len(sites) != 2 {
		t.Fatalf("after the attempts: %d sites, %v", len(sites), err)
	}
}

// TestGarbledJSON: a body that is not what the route takes is a 400 whose
// message (and field, where there is one) names the problem.
func TestGarbledJSON(t *testing.T) {
	e := newEnv(t, nil)
	const link = "/api/v1/networks/default/sites/a/links/lte"
	for _, c := range []struct{ body, field, msg string }{
		{`{"colour":`, "", "JSON ends early"},
		{`{"colour" "lte"}`, "", "not JSON at byte"},
		{`{"colour":5}`, "colour", "colour: expected a string, got JSON number"},
		{`{"colour":"lte","speed":9}`, "speed", "no such field"},
		{`[1,2]`, "", "body: expected an object, got JSON array"},
		{`{"colour":"lte"} {"colour":"mpls"}`, "", "more than one JSON value"},
		{"\x00\x01\x02garbage", "", "not JSON"},
		{`{"colour":"lte","cost":1e400}`, "cost", "cost: expected an integer in range"},
		{`{"colour":"lte","name":"other"}`, "name", "differs from the link named in the URL"},
	} {
		resp, body := e.do(req{method: "PUT", path: link, token: opr, body: c.body})
		if resp.StatusCode != 400 {
			t.Fatalf("%q: %d %s", c.body, resp.StatusCode, body)
		}
		code, field, msg := apiError(t, body)
		if code != "invalid" || field != c.field || !strings.Contains(msg, c.msg) {
			t.Fatalf("%q: code %s field %q message %q; want field %q, message with %q", c.body, code, field, msg, c.field, c.msg)
		}
	}
	hr := e.newRequest(req{method: "PUT", path: link, token: opr})
	resp, body := e.send(hr)
	if code, _, msg := apiError(t, body); resp.StatusCode != 400 || !strings.Contains(msg, "a JSON object is required") {
		t.Fatalf("no body: %d %s %s", resp.StatusCode, code, msg)
	}
}
