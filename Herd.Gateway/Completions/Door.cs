namespace Herd.Gateway.Completions;

/// <summary>The door a request came through, kept in its ledger record.</summary>
public enum Door
{
    /// <summary>herd.v1 over gRPC.</summary>
    Grpc,

    /// <summary>The OpenAI-compatible HTTP API.</summary>
    Http,

    /// <summary>The web app's prompt lab.</summary>
    WebApp,
}
