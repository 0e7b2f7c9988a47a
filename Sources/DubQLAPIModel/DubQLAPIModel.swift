// DubQLAPIModel: a model of Dub's server for `GET /events` (`APIModel.parse` validates parameters
// with Dub's messages, `APIQuery` selects events as Dub would) and `GET /analytics`
// (`AnalyticsModel.parse`: the pipe, range, bucket size and quirks of each request). The local server answers with it
// and the tests check plans against it; the planner library does not carry it.
//
// The model is written in DubQL's terms (events, instants, the catalog), so it re-exports DubQL.
@_exported import DubQL
