// Every pipeline kind the stack config may declare. Adding a kind: a folder under components/pipelines/
// exporting a PipelineKind, and one line here.
import type { PipelineKind } from "./kind";
import { mongoToMySql } from "./mongoToMySql";
import { replicate } from "./replicate";
import { twoWayPostgres } from "./twoWayPostgres";

export const PIPELINE_KINDS: readonly PipelineKind<any>[] = [twoWayPostgres, mongoToMySql, replicate];

/** The kind named `kind`, if there is one. */
export function pipelineKind(kind: string): PipelineKind<unknown> | undefined {
    return PIPELINE_KINDS.find((k) => k.kind === kind);
}
