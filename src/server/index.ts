export { createApp, type AppDependencies } from "./app.js";
