/**
 * The React and react-redux APIs the hooks use, imported here once. esbuild (tsup) keeps one import
 * statement per source file in dist, aliases and all, and a bundler that leaves the peers external
 * ships each: through this file dist/react has one import of each peer (-0.3 kB min+gz).
 *
 * @internal
 */
export { createContext, useContext, useEffect, useInsertionEffect, useMemo, useRef } from 'react'
export { shallowEqual, useDispatch, useSelector, useStore } from 'react-redux'
