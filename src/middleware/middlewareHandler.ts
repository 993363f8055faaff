import type { MiddlewareAPI, UnknownAction } from '@reduxjs/toolkit'

/** What a handler's `intercept` decided: the dispatch's result, and whether the action goes on. */
export interface Interception {
  result: unknown
  /** False: the reducers (and later middleware) never see the action. */
  forward: boolean
}

/**
 * One concern of the realtime middleware, as RTK Query's `buildMiddleware` composes its handlers:
 * it names the action types it acts on (every other action passes with one lookup), may intercept
 * one before the reducers, and may act after them with the state from before.
 */
export interface MiddlewareHandler {
  readonly types: readonly string[]
  /** True while the handler needs to see every action, whatever its type (e.g. listeners registered). */
  wantsEvery?(): boolean
  intercept?(action: UnknownAction, api: MiddlewareAPI): Interception | undefined
  after?(action: UnknownAction, api: MiddlewareAPI, stateBefore: unknown): void
}

/** Builds the handlers of one store (their state, such as promises, is per store). */
export type MiddlewareHandlerBuilder = () => MiddlewareHandler
