export { createApp, type AppDependencies } from "./app.js";
export * from "./guards/index.js";
export { errorResponse, statusOf, STATUS_BY_CODE, type ErrorBody, type ErrorResponseOptions } from "./errors.js";
