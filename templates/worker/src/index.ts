// The worker's main: serve the app on PORT until SIGTERM.
import { serve } from "../../_shared/serve.js";
import { createApp } from "./app.js";

await serve(createApp({ env: process.env }));
