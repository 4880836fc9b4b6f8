// web/ holds the dashboard's TypeScript sources, no Go code. This go.mod
// only keeps the Go tool out of it: npm packages in node_modules ship .go
// files (flatted does) that `go build ./...` and `go vet ./...` would
// otherwise pick up. The built assets are embedded by controller/webui.
module patronus.invalid/web

go 1.26.8
