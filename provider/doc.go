// Package provider is the one interface between gantry's engine (planner,
// applier) and a cloud account. Implementations live in sub-packages:
// sandbox, an embedded file-backed AWS account, and aws (aws-sdk-go-v2).
//
// Providers speak in CloudFormation-shaped resources (graph.Resource
// properties, with references already resolved) and return what they
// observed. They own the mechanics of the API: batching and pagination,
// bounded parallel reads, retries of throttled and transient calls, and
// errors that name the resource and the AWS operation (see OpError).
package provider
