// A urql client for component tests: queries answered by functions of
// their variables, subscriptions fed by hand through subjects. It goes
// through urql's real hooks and cache-less pipeline, so pages see what
// they see in the browser.
import { Client, makeResult, makeErrorResult, type Exchange, type Operation } from "@urql/core";
import type { DocumentNode } from "graphql";
import { filter, fromValue, makeSubject, map, mergeMap, pipe, type Subject } from "wonka";

type Data = Record<string, unknown>;

/** Thrown by an answer: the operation gets these GraphQL errors (with extensions.code, .field). */
export class GqlErrors {
  constructor(readonly errors: { message: string; extensions?: Record<string, unknown> }[]) {}
}
type Answer = (vars: Record<string, unknown>) => Data;

function opName(op: Operation): string {
  const doc = op.query as DocumentNode;
  const def = doc.definitions.find((d) => d.kind === "OperationDefinition");
  return def && "name" in def && def.name ? def.name.value : "";
}

export interface TestClient {
  client: Client;
  /** Pushes one event to the subscriptions of that operation name. */
  emit: (operation: string, data: Data) => void;
  /** The operations sent, by name, with their variables. */
  calls: { name: string; variables: Record<string, unknown> }[];
}

export function testClient(answers: Record<string, Answer>): TestClient {
  const subjects = new Map<string, Subject<Data>>();
  const subject = (name: string) => {
    if (!subjects.has(name)) subjects.set(name, makeSubject<Data>());
    return subjects.get(name)!;
  };
  const calls: TestClient["calls"] = [];
  const exchange: Exchange = () => (ops$) =>
    pipe(
      ops$,
      filter((op) => op.kind !== "teardown"),
      mergeMap((op) => {
        const name = opName(op);
        calls.push({ name, variables: op.variables as Record<string, unknown> });
        if (op.kind === "subscription") {
          return pipe(
            subject(name).source,
            map((data) => makeResult(op, { data })),
          );
        }
        const answer = answers[name];
        if (!answer) return fromValue(makeErrorResult(op, new Error(`no answer for ${name}`)));
        try {
          return fromValue(makeResult(op, { data: answer(op.variables as Record<string, unknown>) }));
        } catch (e) {
          if (!(e instanceof GqlErrors)) throw e;
          return fromValue(makeResult(op, { data: null, errors: e.errors }));
        }
      }),
    );
  const client = new Client({ url: "/api/v2/graphql", exchanges: [exchange] });
  return { client, emit: (name, data) => subject(name).next(data), calls };
}
