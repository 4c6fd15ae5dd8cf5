// A JSON object whose keys are not fixed (evidence, labels): every property is kept when serialized.
import { Type } from '@sinclair/typebox';

export const OpenMap = () => Type.Object({}, { additionalProperties: true });
