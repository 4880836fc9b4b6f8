// Package gqlws is a client of the graphql-transport-ws protocol
// (GraphQL over WebSocket, as the graphql-ws library and gqlgen's
// WebSocket transport speak it): connection_init and its ack, subscribe,
// next, error, complete, and ping answered with pong. It is what the
// controller's API benchmark (test/bench/apiload) subscribes with.
//
//	client → connection_init {payload}       server → connection_ack
//	client → subscribe {id, payload: {query, variables}}
//	server → next {id, payload: {data, errors}}  (any number)
//	server → error {id, payload: [errors]} | complete {id}
//	either → ping → the other answers pong
//
// The server refuses by closing the WebSocket with a 44xx status
// (4401 unauthorised, 4403 forbidden, 4400 bad message, 4408 no init).
package gqlws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/coder/websocket"
)

// Subprotocol is the WebSocket subprotocol this client speaks.
const Subprotocol = "graphql-transport-ws"

// maxMessage bounds a message the client reads.
const maxMessage = 1 << 20

// Message types.
const (
	TypeConnectionInit = "connection_init"
	TypeConnectionAck  = "connection_ack"
	TypePing           = "ping"
	TypePong           = "pong"
	TypeSubscribe      = "subscribe"
	TypeNext           = "next"
	TypeError          = "error"
	TypeComplete       = "complete"
)

// Message is one protocol message.
type Message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Request is a subscribe message's payload.
type Request struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables,omitempty"`
}

// Conn is an acknowledged connection. Next must be called from one
// goroutine at a time; Subscribe, Complete and Close from any.
type Conn struct {
	ws *websocket.Conn
}

// Options are Dial's.
type Options struct {
	// HTTPClient makes the upgrade request (its TLS configuration: the
	// server's CA). It must speak HTTP/1.1 to the server. nil: the
	// default client.
	HTTPClient *http.Client
	// InitPayload is connection_init's payload, e.g.
	// {"authorization": "Bearer TOKEN"}.
	InitPayload any
}

// Dial opens a WebSocket to url (wss://HOST/PATH) with the subprotocol,
// sends connection_init and waits for connection_ack (answering pings).
func Dial(ctx context.Context, url string, o Options) (*Conn, error) {
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: o.HTTPClient, Subprotocols: []string{Subprotocol}})
	if err != nil {
		if resp != nil {
			return nil, &HTTPError{StatusCode: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After"), Err: err}
		}
		return nil, fmt.Errorf("gqlws: dial %s: %w", url, err)
	}
	if ws.Subprotocol() != Subprotocol {
		ws.Close(websocket.StatusProtocolError, "subprotocol")
		return nil, fmt.Errorf("gqlws: the server chose subprotocol %q, not %s", ws.Subprotocol(), Subprotocol)
	}
	ws.SetReadLimit(maxMessage)
	c := &Conn{ws: ws}
	if err := c.ack(ctx, o.InitPayload); err != nil {
		ws.CloseNow()
		return nil, err
	}
	return c, nil
}

func (c *Conn) ack(ctx context.Context, payload any) error {
	init := Message{Type: TypeConnectionInit}
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return fmt.Errorf("gqlws: connection_init payload: %w", err)
		}
		init.Payload = b
	}
	if err := c.send(ctx, init); err != nil {
		return err
	}
	for {
		m, err := c.read(ctx)
		if err != nil {
			return fmt.Errorf("gqlws: waiting for connection_ack: %w", err)
		}
		switch m.Type {
		case TypeConnectionAck:
			return nil
		case TypePing, TypePong:
			continue // read answered the ping
		default:
			return fmt.Errorf("gqlws: %q before connection_ack", m.Type)
		}
	}
}

// Subscribe starts operation id.
func (c *Conn) Subscribe(ctx context.Context, id string, r Request) error {
	if id == "" {
		return errors.New("gqlws: subscribe: empty id")
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("gqlws: subscribe %s: %w", id, err)
	}
	return c.send(ctx, Message{ID: id, Type: TypeSubscribe, Payload: b})
}

// Complete stops operation id.
func (c *Conn) Complete(ctx context.Context, id string) error {
	return c.send(ctx, Message{ID: id, Type: TypeComplete})
}

// Next returns the next next, error or complete message; it answers
// pings and skips pongs on the way.
func (c *Conn) Next(ctx context.Context) (Message, error) {
	for {
		m, err := c.read(ctx)
		if err != nil {
			return Message{}, err
		}
		switch m.Type {
		case TypeNext, TypeError, TypeComplete:
			if m.ID == "" {
				return Message{}, fmt.Errorf("gqlws: %s without an id", m.Type)
			}
			return m, nil
		case TypePing, TypePong:
		default:
			return Message{}, fmt.Errorf("gqlws: unexpected message type %q", m.Type)
		}
	}
}

// read reads one message and answers a ping.
func (c *Conn) read(ctx context.Context) (Message, error) {
	typ, b, err := c.ws.Read(ctx)
	if err != nil {
		if st := websocket.CloseStatus(err); st != -1 {
			return Message{}, &CloseError{Code: int(st), Err: err}
		}
		return Message{}, fmt.Errorf("gqlws: read: %w", err)
	}
	if typ != websocket.MessageText {
		return Message{}, errors.New("gqlws: a binary message")
	}
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return Message{}, fmt.Errorf("gqlws: a message that is not JSON: %w", err)
	}
	if m.Type == TypePing {
		if err := c.send(ctx, Message{Type: TypePong}); err != nil {
			return Message{}, err
		}
	}
	return m, nil
}

func (c *Conn) send(ctx context.Context, m Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("gqlws: send %s: %w", m.Type, err)
	}
	return nil
}

// Close closes the connection normally.
func (c *Conn) Close() error { return c.ws.Close(websocket.StatusNormalClosure, "") }

// CloseError is the server's closing of the WebSocket, with its status
// (4401: unauthorised, …).
type CloseError struct {
	Code int
	Err  error
}

func (e *CloseError) Error() string { return fmt.Sprintf("gqlws: closed by the server: %v", e.Err) }

func (e *CloseError) Unwrap() error { return e.Err }

// HTTPError is a refused upgrade: the server answered with StatusCode
// (401, 429, …) instead of switching protocols.
type HTTPError struct {
	StatusCode int
	RetryAfter string // the Retry-After header, if any
	Err        error
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("gqlws: the upgrade was refused with HTTP %d: %v", e.StatusCode, e.Err)
}

func (e *HTTPError) Unwrap() error { return e.Err }

// NextResult is a next message's payload.
type NextResult struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}
