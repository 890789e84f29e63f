// The registry of deploy targets: adding one is adding a folder under emit/ and a line here. A target
// is its pure emitter plus how its own tool applies the output (the apply itself runs in api/deploy).
import { UserError } from "../errors.js";
import type { ResolvedProject } from "../project/resolve.js";
import { emitCompose } from "./compose/index.js";
import type { EmitOptions, EmittedFile } from "./files.js";
import { emitKubernetes } from "./k8s/index.js";
import { emitServerless } from "./serverless/index.js";

/** How a target hands emitted files to its tool: candidate programs, tried in order. */
export interface ApplyCommand {
  /** Each candidate is a program and its arguments; the first installed one runs. */
  candidates: { program: string; args: string[] }[];
  install: string;
}

/** One deploy target. */
export interface Target {
  name: string;
  emit(project: ResolvedProject, options?: EmitOptions): EmittedFile[];
  apply(project: ResolvedProject, options: EmitOptions & { projectName?: string }): ApplyCommand;
}

/** Every target, by name. */
export const targets: Target[] = [
  {
    name: "compose",
    emit: emitCompose,
    apply: (project, options) => {
      const name = options.projectName ?? project.targets.compose.projectName ?? project.name;
      const projectName = options.env ? `${name}-${options.env}` : name;
      const args = ["-p", projectName, "-f", "docker-compose.yml", "up", "-d", "--build"];
      return {
        candidates: [
          { program: "docker", args: ["compose", ...args] },
          { program: "docker-compose", args },
        ],
        install: "Install Docker with the Compose plugin (docker compose) or docker-compose.",
      };
    },
  },
  {
    name: "k8s",
    emit: emitKubernetes,
    apply: () => ({
      candidates: [{ program: "kubectl", args: ["apply", "-k", "."] }],
      install: "Install kubectl and point it at a cluster (kubectl config current-context).",
    }),
  },
  {
    name: "serverless",
    emit: emitServerless,
    apply: (project, options) => ({
      candidates: [
        {
          program: "serverless",
          args: ["deploy", "--stage", options.env ?? project.targets.serverless.stage],
        },
      ],
      install: "Install the Serverless Framework (npm install -g serverless) and configure AWS credentials.",
    }),
  },
];

/** Finds a target by name, or explains which exist. */
export function findTarget(name: string): Target {
  const target = targets.find((candidate) => candidate.name === name);
  if (!target) {
    throw new UserError(
      "E_UNKNOWN_TARGET",
      `target ${JSON.stringify(name)} is not supported; targets are ${targets.map((t) => t.name).join(", ")}`,
    );
  }
  return target;
}
