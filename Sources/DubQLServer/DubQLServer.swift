// DubQLServer: a Dub-compatible `GET /events` server over local data (`dubql serve`).
// `DubServer` does HTTP, auth, rate limits and errors; `LocalEventsSource` answers from a store.
import DubQL
