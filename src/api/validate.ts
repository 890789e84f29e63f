// `validate`: load the project file and report every problem, without starting anything.
import { type LoadOptions, type LoadResult, loadProject } from "../project/load.js";

/** Loads and checks a project file; never throws for problems in the file, it returns them. */
export function validate(options: LoadOptions = {}): LoadResult {
  return loadProject(options);
}
