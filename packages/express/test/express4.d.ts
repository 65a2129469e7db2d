// Express 4 is installed under the alias `express4` so the suite runs on both majors. Only what both majors
// share is used of it, so Express 5's types describe it well enough for the tests.
declare module 'express4' {
  import express from 'express';
  export default express;
}
