export { coop } from "./coop/index.js";
