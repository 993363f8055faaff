import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Provider } from 'react-redux'
import { RealtimeProvider } from 'rtk-realtime/react'
import { App } from './App'
import { realtime, store } from './store'
import './styles.css'

// StrictMode mounts every component twice in development: harmless, the socket belongs to the
// store's middleware (created once in ./store), not to a component.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider store={store}>
      <RealtimeProvider realtime={realtime}>
        <App />
      </RealtimeProvider>
    </Provider>
  </StrictMode>,
)
