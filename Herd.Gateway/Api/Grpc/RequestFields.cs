using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Herd.Gateway.Api.Grpc;

/// <summary>Reads request fields the gRPC services share, refusing bad ones with INVALID_ARGUMENT that names the field.</summary>
public static class RequestFields
{
    /// <summary>A timestamp that must be set and be a valid instant.</summary>
    public static DateTimeOffset Instant(Timestamp? timestamp, string field)
    {
        if (timestamp is null)
        {
            throw Invalid($"{field} is required: a google.protobuf.Timestamp.");
        }

        try
        {
            return timestamp.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw Invalid($"{field} is not a valid timestamp: seconds must fall in the years 0001 to 9999 and nanos in 0 to 999,999,999.");
        }
    }

    /// <summary>INVALID_ARGUMENT with a message that says what was wrong and what is accepted.</summary>
    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
