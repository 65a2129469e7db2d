// @ts-check
import { packageConfig } from './shared.mjs';

// Static mutants (module-level constants) have no per-test coverage: each would rerun all of core's tests, about
// three minutes apiece on two cores. They are reported as Ignored, outside the score.
export default packageConfig('core', { ignoreStatic: true });
