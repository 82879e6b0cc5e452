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
