// The image a docker service runs: its `build` (context, Dockerfile, args with BASE_IMAGE), its `image`
// as is, or its esbuild bundle on defaults.baseImage. Built images are tagged
// agentctl-<project>-<service>:<content hash>, so unchanged inputs skip the build. Nothing is ever pulled.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type Docker from "dockerode";
import { bundleDockerfile, contextFiles, contextHash } from "../build/image-context.js";
import { AgentctlError, UserError } from "../errors.js";
import type { ResolvedProject, ResolvedService } from "../project/resolve.js";
import { imageRepository, labelKeys, projectLabels } from "./docker-spec.js";

/** What building an image tells the service's log. */
export type ImageProgress = (line: string) => void;

/** Returns the image reference a service's containers run, building it when its inputs changed. */
export async function ensureServiceImage(
  docker: Docker,
  project: ResolvedProject,
  service: ResolvedService,
  progress: ImageProgress,
): Promise<string> {
  if (service.build) return buildUserImage(docker, project, service, service.build, progress);
  if (service.image) {
    if (!(await imageId(docker, service.image)))
      throw new UserError(
        "E_IMAGE_NOT_FOUND",
        `service "${service.name}": image "${service.image}" is not on this machine, and agentctl up never pulls images`,
        {
          hint: `Run \`docker pull ${service.image}\` (or build or load it) yourself, then run agentctl up again.`,
        },
      );
    return service.image;
  }
  if (service.entry) return buildBundleImage(docker, project, service, progress);
  throw new UserError(
    "E_NO_IMAGE",
    `service "${service.name}" runs on docker but has no build, image or entry to make an image from`,
    { hint: `Set services.${service.name}.entry, .build or .image in ${project.file}.` },
  );
}

async function buildBundleImage(
  docker: Docker,
  project: ResolvedProject,
  service: ResolvedService,
  progress: ImageProgress,
): Promise<string> {
  const baseImage = project.defaults.baseImage;
  const baseId = await imageId(docker, baseImage);
  if (!baseId)
    throw new UserError(
      "E_BASE_IMAGE_NOT_FOUND",
      `defaults.baseImage "${baseImage}" (the image service "${service.name}" is built on) is not on this machine, and agentctl up never pulls images`,
      {
        hint: `Run \`docker pull ${baseImage}\` yourself, or set defaults.baseImage in ${project.file} to an image you have (\`docker images\`).`,
      },
    );
  if (!existsSync(service.bundlePath))
    throw new UserError(
      "E_NO_BUNDLE",
      `service "${service.name}": its bundle ${service.bundlePath} is missing`,
      {
        hint: "Run `agentctl build` (agentctl up does it before starting services).",
      },
    );
  const context = dirname(service.bundlePath);
  const dockerfile = join(context, "Dockerfile");
  const text = bundleDockerfile();
  if (!existsSync(dockerfile) || (await readFile(dockerfile, "utf8")) !== text)
    await writeFile(dockerfile, text);
  const files = ["Dockerfile", "index.mjs"];
  const hash = await contextHash(context, files, { base: baseId });
  return buildTagged(docker, project, service, progress, {
    hash,
    context,
    files,
    options: { buildargs: { BASE_IMAGE: baseImage } },
  });
}

async function buildUserImage(
  docker: Docker,
  project: ResolvedProject,
  service: ResolvedService,
  build: NonNullable<ResolvedService["build"]>,
  progress: ImageProgress,
): Promise<string> {
  if (!existsSync(build.context))
    throw new UserError(
      "E_NO_BUILD_CONTEXT",
      `service "${service.name}": build context ${build.context} does not exist`,
      { hint: `Fix services.${service.name}.build.context in ${project.file}.` },
    );
  const buildArgs = { BASE_IMAGE: project.defaults.baseImage, ...build.args };
  const files = await contextFiles(build.context);
  const hash = await contextHash(build.context, files, {
    dockerfile: build.dockerfile,
    args: JSON.stringify(Object.entries(buildArgs).sort()),
    base: await imageId(docker, buildArgs.BASE_IMAGE),
  });
  return buildTagged(docker, project, service, progress, {
    hash,
    context: build.context,
    files,
    options: { buildargs: buildArgs, dockerfile: build.dockerfile },
  });
}

async function buildTagged(
  docker: Docker,
  project: ResolvedProject,
  service: ResolvedService,
  progress: ImageProgress,
  request: {
    hash: string;
    context: string;
    files: string[];
    options: { buildargs: Record<string, string>; dockerfile?: string };
  },
): Promise<string> {
  const repository = imageRepository(project, service.name);
  const tag = `${repository}:${request.hash.slice(0, 12)}`;
  if (await imageId(docker, tag)) return tag;
  progress(`agentctl: building image ${tag}`);
  const started = performance.now();
  const labels = { ...projectLabels(project), [labelKeys.service]: service.name };
  const stream = await docker.buildImage(
    { context: request.context, src: request.files },
    { t: tag, labels, rm: true, forcerm: true, ...request.options },
  );
  const output = await new Promise<{ stream?: string; error?: string }[]>((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: { stream?: string; error?: string }[]) =>
        error ? reject(error) : resolve(events),
    ),
  );
  const failure = output.find((event) => event.error);
  if (failure || !(await imageId(docker, tag))) {
    const lines = output
      .flatMap((event) => (event.stream ?? event.error ?? "").split("\n"))
      .filter((line) => line.trim())
      .slice(-15);
    throw new AgentctlError(
      "E_IMAGE_BUILD",
      `service "${service.name}": building image ${tag} failed: ${failure?.error ?? "no image was produced"}\n${lines.map((line) => `  ${line}`).join("\n")}`,
      {
        hint: /pull|registry|manifest|not found/i.test(failure?.error ?? "")
          ? "A FROM image is missing and nothing can be pulled here: docker pull or build it yourself first."
          : `Check ${request.options.dockerfile ?? "the Dockerfile"} in ${request.context}.`,
      },
    );
  }
  progress(`agentctl: built image ${tag} in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  await removeOlderTags(docker, project, service.name, tag);
  return tag;
}

// Older builds of the same service would pile up with every change; those no container uses go.
async function removeOlderTags(
  docker: Docker,
  project: ResolvedProject,
  service: string,
  keep: string,
): Promise<void> {
  const images = await docker.listImages({
    filters: { label: [`${labelKeys.project}=${project.name}`, `${labelKeys.service}=${service}`] },
  });
  const repository = `${imageRepository(project, service)}:`;
  for (const image of images) {
    const tags = (image.RepoTags ?? []).filter((tag) => tag.startsWith(repository));
    if (tags.length === 0 || tags.includes(keep)) continue;
    for (const tag of tags)
      await docker
        .getImage(tag)
        .remove()
        .catch(() => undefined);
  }
}

/** The id of a local image, or undefined when the engine does not have it. */
export async function imageId(docker: Docker, reference: string): Promise<string | undefined> {
  try {
    return ((await docker.getImage(reference).inspect()) as { Id: string }).Id;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}
