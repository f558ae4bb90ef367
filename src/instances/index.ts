export { InstanceRegistry, listInstances, type InstanceInfo, type InstanceRegistryOptions, type InstanceRole } from "./registry.js";
