export { checkNumbers, markUnsupported, UNVERIFIED_MARKER, type FaithfulnessResult, type FaithfulnessStatus, type NumberCheck } from "./check.js";
export { collectEvidence, type DerivedValues, type Evidence, type EvidenceSources } from "./evidence.js";
export { extractNumbers, type StatedDate, type StatedKind, type StatedNumber } from "./extract.js";
export { isSupported } from "./match.js";
export { conversionsInto, unitOf, type Unit } from "./units.js";
