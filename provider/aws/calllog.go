package aws

import (
	"context"
	"log/slog"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// logCalls adds a middleware that logs every API call at debug level:
// the operation, how long it took (retries included), the request id and
// the error, if any. It is how `--debug` shows what gantry asked of AWS.
func logCalls(log *slog.Logger) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("gantryCallLog",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if !log.Enabled(ctx, slog.LevelDebug) {
					return next.HandleInitialize(ctx, in)
				}
				start := time.Now()
				out, md, err := next.HandleInitialize(ctx, in)
				attrs := []any{"service", awsmiddleware.GetServiceID(ctx), "operation", awsmiddleware.GetOperationName(ctx),
					"elapsed", time.Since(start).Round(time.Millisecond)}
				if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
					attrs = append(attrs, "requestId", id)
				}
				if err != nil {
					attrs = append(attrs, "error", err)
				}
				log.Debug("aws: call", attrs...)
				return out, md, err
			}), middleware.After)
	}
}
