// DubQLClient: the HTTP client for Dub's API. `DubClient` fetches pages of `GET /events` with
// retries and readable errors; `PlanRunner` executes a whole `APIPlan` (paging, residual, union).
import DubQL
