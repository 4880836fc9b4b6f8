// Generates the typed GraphQL documents in src/gql from the controller's
// schema (the Go side's source of truth). `npm run codegen`; the build and
// `npm run typecheck` run it first, so a schema change that breaks a page
// fails tsc.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../controller/api/graph/schema.graphqls",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { Time: "string", Duration: "string" },
        strictScalars: true,
      },
    },
  },
};

export default config;
