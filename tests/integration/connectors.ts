// The least of Kafka Connect's REST API the integration tests need to run a connector: create or replace
// it, wait until its task runs, remove it. (Connectors as stack resources are a component of their own.)
import axios from "axios";

export async function putConnector(url: string, name: string, config: Record<string, string>): Promise<void> {
    await axios.put(`${url}/connectors/${encodeURIComponent(name)}/config`, config, { timeout: 60_000 });
}

/** The connector's and its tasks' states, with the head and the causes of a failed task's trace. */
export async function connectorStatus(url: string, name: string): Promise<string> {
    const { data } = await axios.get(`${url}/connectors/${encodeURIComponent(name)}/status`, { timeout: 10_000 });
    const tasks = (data.tasks as { state: string; trace?: string }[]).map((t) => t.state);
    const trace = (data.tasks as { trace?: string }[]).find((t) => t.trace)?.trace ?? "";
    const lines = trace.split("\n");
    const shown = [...lines.slice(0, 8), ...lines.slice(8).filter((l) => l.startsWith("Caused by"))];
    return `connector ${data.connector.state}, tasks [${tasks.join(", ")}]${trace ? `\n${shown.join("\n")}` : ""}`;
}

export async function deleteConnector(url: string, name: string): Promise<void> {
    await axios.delete(`${url}/connectors/${encodeURIComponent(name)}`, { timeout: 60_000 }).catch((e) => {
        if (e.response?.status !== 404) throw e;
    });
}
