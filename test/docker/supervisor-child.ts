// A supervisor in a process of its own, for the test that SIGKILLs it: `up()` on the project file given
// as the first argument, then one line `READY <instances as JSON>`, then it runs until killed.
import { up } from "../../src/api/up.js";
import { loadProjectOrThrow } from "../../src/project/load.js";

const project = loadProjectOrThrow({ file: process.argv[2]!, env: process.env });
const hosted = await up(project, { router: false, readyTimeoutMs: 120_000 });
console.log(`READY ${JSON.stringify(hosted.supervisor.list())}`);
