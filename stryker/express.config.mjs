// @ts-check
import { packageConfig } from './shared.mjs';

export default packageConfig('express');
