// cdc-sync's policy pack: the rules of policy/rules.ts as mandatory policies, so a preview that breaks one fails
// with the rule's message. Run with `pulumi preview --policy-pack policy` (scripts/workflow.sh does); the analyzer
// that runs it is policy/pulumi-analyzer-policy-cdcsyncnode (PulumiPolicy.yaml says why).
import { PolicyPack, ResourceValidationPolicy } from "@pulumi/policy";
import { RULES, stackOfUrn } from "./rules";

const policies: ResourceValidationPolicy[] = Object.entries(RULES).map(([name, rule]) => ({
    name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const message of rule.check({ type: args.type, name: args.name, props: args.props, stack: stackOfUrn(args.urn) })) reportViolation(message);
    },
}));

new PolicyPack("cdc-sync", { policies });
