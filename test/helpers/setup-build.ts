/** Each test process: children start from the suite's build when it is fresh (helpers/built.ts). */
import { useBuildForChildren } from './built.js';

useBuildForChildren();
