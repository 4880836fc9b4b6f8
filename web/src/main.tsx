import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { session } from "./auth/session";
import { applyTheme, initialTheme } from "./components/theme";
import "./styles.css";

applyTheme(initialTheme());
void session.restore();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
