// Passwords the stack generates for the accounts it creates (database administrators, replication and sink
// roles), so a stack comes up without anyone choosing a dozen passwords, and an operator can still pin any
// of them with `pulumi config set --secret --path 'cdc-sync:passwords.<name>'`.
//
// One dynamic resource holds them all: generated once, kept across updates (adding a name generates only
// that one; removing one forgets only that one), and stored as a Pulumi secret. @pulumi/random would do the
// same job, but it is a bridged Terraform provider whose plugin cannot be built here (see README).
import * as pulumi from "@pulumi/pulumi";

/** Letters and digits only: safe in JDBC URLs, properties files, shell and SQL literals alike. */
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
/** 32 characters of a 57-letter alphabet: about 186 bits. */
const LENGTH = 32;

export interface PasswordSetInputs {
    /** The names of the passwords, e.g. `postgres-admin`, `db1-replication`. */
    names: string[];
}

export interface PasswordSetOutputs extends PasswordSetInputs {
    /** name -> password; secret. */
    values: Record<string, string>;
}

/** Draws a password with rejection sampling (no modulo bias). */
export function generatePassword(length = LENGTH): string {
    const crypto: typeof import("crypto") = require("crypto");
    let out = "";
    while (out.length < length) {
        for (const b of crypto.randomBytes(length)) {
            if (b < 256 - (256 % ALPHABET.length) && out.length < length) out += ALPHABET[b % ALPHABET.length];
        }
    }
    return out;
}

/** Keeps the values of names that stay, draws one for each new name. */
export function converge(names: readonly string[], previous: Readonly<Record<string, string>>, draw: () => string): Record<string, string> {
    return Object.fromEntries(names.map((n) => [n, previous[n] ?? draw()]));
}

const provider: pulumi.dynamic.ResourceProvider<PasswordSetInputs, PasswordSetOutputs> = {
    async create(inputs) {
        return { id: "passwords", outs: { names: inputs.names, values: converge(inputs.names, {}, () => generatePassword()) } };
    },
    async diff(_id, olds, news) {
        const same = JSON.stringify([...olds.names].sort()) === JSON.stringify([...news.names].sort());
        return { changes: !same };
    },
    async update(_id, olds, news) {
        return { outs: { names: news.names, values: converge(news.names, olds.values, () => generatePassword()) } };
    },
};

/** The stored set: names in plain text, values only as a secret output. */
class GeneratedPasswords extends pulumi.dynamic.Resource {
    public readonly values!: pulumi.Output<Record<string, string>>;

    constructor(name: string, names: string[], opts: pulumi.CustomResourceOptions) {
        super(provider, name, { names, values: undefined }, { ...opts, additionalSecretOutputs: ["values"] }, "secrets", "GeneratedPasswords");
    }
}

export interface PasswordSetArgs {
    /** Every password the stack needs, by name. */
    readonly names: readonly string[];
    /** Passwords the operator set (`cdc-sync:passwords`, a secret): they win over generated ones. */
    readonly overrides: pulumi.Input<Record<string, string>>;
}

/** Generated passwords, overridden by configured ones; every value stays a Pulumi secret. */
export class PasswordSet extends pulumi.ComponentResource {
    private readonly generated: pulumi.Output<Record<string, string>>;
    private readonly overrides: pulumi.Output<Record<string, string>>;
    private readonly names: ReadonlySet<string>;

    constructor(name: string, args: PasswordSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:secrets:PasswordSet", name, {}, opts);
        const names = [...new Set(args.names)].sort();
        this.names = new Set(names);
        const generated = new GeneratedPasswords(`${name}-generated`, names, { parent: this });
        this.generated = generated.values;
        this.overrides = pulumi.output(args.overrides);
        this.registerOutputs({});
    }

    /** One password, as a Pulumi secret. Throws for a name the set was not built with (a wiring error). */
    get(name: string): pulumi.Output<string> {
        if (!this.names.has(name)) throw new Error(`password ${name} was not declared (declared: ${[...this.names].join(", ")})`);
        // A pinned password is known at preview (so previews can check an adopted server); a generated one once created.
        return pulumi.secret(this.overrides.apply((o) => (o[name] !== undefined ? pulumi.output(o[name]) : this.generated.apply((g) => g[name]))));
    }

    /** Several passwords by name, as one secret map (for the Connect workers' secrets file). */
    pick(names: readonly string[]): pulumi.Output<Record<string, string>> {
        return pulumi.secret(pulumi.all(names.map((n) => this.get(n))).apply((vs) => Object.fromEntries(names.map((n, i) => [n, vs[i]]))));
    }
}
