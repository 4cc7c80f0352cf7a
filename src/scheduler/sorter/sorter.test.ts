import { seededRandom } from '../prng.js';
import { DrfSorter } from './drf.js';
import { RandomSorter } from './random.js';
import { sorterSuite } from './sorter-suite.js';

sorterSuite('DrfSorter', () => new DrfSorter());
sorterSuite('RandomSorter', () => new RandomSorter(seededRandom(7)));
