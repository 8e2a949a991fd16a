/**
 * The HPy API description: the one source every generated file comes from.
 */
export * from "./schema.ts";
export { contextMembers } from "./context.ts";
export { enums, typeFlags, abi, abiModes, universalModes } from "./enums.ts";
export { signatures } from "./signatures.ts";
export { slots } from "./slots.ts";
export { structs } from "./structs.ts";
export { builtinShapes, shapeEnumerator, type BuiltinShape } from "./shapes.ts";
export { ctxName } from "./builders.ts";

import { contextMembers } from "./context.ts";
import type { FunctionMember, HandleMember } from "./schema.ts";

export const handleMembers: readonly HandleMember[] = contextMembers.filter(
  (m): m is HandleMember => m.kind === "handle",
);
export const functionMembers: readonly FunctionMember[] = contextMembers.filter(
  (m): m is FunctionMember => m.kind === "function",
);
