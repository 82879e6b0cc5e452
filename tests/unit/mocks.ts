// Pulumi mocks for the unit tests that build resource graphs. `setMocks` is process-global, so every test
// file shares this one installation (imported before the code under test) and reads what it recorded.
import * as pulumi from "@pulumi/pulumi";

export interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

let recorded: Recorded[] = [];

pulumi.runtime.setMocks(
    {
        newResource(args) {
            recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state = { ...args.inputs };
            if (args.type.endsWith("docker:Image") || args.type.endsWith("docker:RegistryImage")) state.imageId = `sha256:${args.name}`;
            if (args.type.endsWith("docker:Container")) state.containerId = `id-${args.name}`;
            if (args.type.endsWith("mysql:Database")) state.serverVersion = "11.8.6-MariaDB";
            // Passwords the stack generates for itself (not in cdc-sync:passwords, so never pinned), e.g. an exporter's.
            if (args.type.endsWith("secrets:GeneratedPasswords")) state.values = Object.fromEntries((args.inputs.names as string[]).map((n) => [n, `generated-${n}`]));
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    },
    "cdc-sync",
    "local",
    false,
);

/** What a secret input looks like to the mocks: wrapped, so tests can assert a value is kept secret. */
export function secret<T>(value: T): Record<string, unknown> {
    return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

/** A resource's own inputs: without the serialized code of a dynamic provider. */
export function inputsOf(r: Recorded): Record<string, any> {
    const { __provider: _code, ...inputs } = r.inputs;
    return inputs;
}

/** Resolves an Output in a mocked deployment. */
export function value<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply(resolve));
}

/** Runs `build`, waits for `settled` and the last registrations, and returns what was registered meanwhile. */
export async function record(build: () => Promise<pulumi.Output<unknown>>): Promise<Recorded[]> {
    recorded = [];
    await value(await build());
    await new Promise((r) => setTimeout(r, 50));
    return recorded;
}

/**
 * Records the whole stack that raw config `values` declares, built as index.ts builds it (buildStack), with every
 * password pinned (the mocks generate none). Waits for every pipeline's component.
 */
export async function recordStack(values: Record<string, unknown>, stack = "local"): Promise<Recorded[]> {
    const { loadStackConfig, passwordNeeds } = await import("../../components/stack/load");
    const { buildStack } = await import("../../components/stack/program");
    const { raw } = await import("../stackFiles");
    const config = loadStackConfig(raw(values));
    const pinned = Object.fromEntries(passwordNeeds(config).names.map((n) => [n, `pw-${n}`]));
    return record(async () => {
        const out = buildStack({ stack, config, connectorSecrets: pulumi.secret({}), pinnedPasswords: pulumi.secret(pinned) });
        return pulumi.all(Object.values(out.components).map((c) => c.urn));
    });
}
