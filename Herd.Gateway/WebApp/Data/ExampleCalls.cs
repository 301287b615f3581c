using System.Text.Json;
using Herd.Contracts.V1;

namespace Herd.Gateway.WebApp.Data;

/// <summary>
/// How to call a prompt from outside, to copy: curl and Python's <c>openai</c> against the HTTP
/// door, grpcurl against the gRPC door, each with the prompt's variables at their defaults.
/// </summary>
/// <param name="HttpBase">The HTTP door's address, as the browser reached it (<c>http://host:5201/</c>).</param>
/// <param name="GrpcAddress">The gRPC door's <c>host:port</c>.</param>
public sealed record ExampleCalls(string HttpBase, string GrpcAddress)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string Curl(PromptVersion prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var body = JsonSerializer.Serialize(HttpBody(prompt), Indented);
        return $"curl {HttpBase}v1/completions \\\n  -H \"Authorization: Bearer $HERD_KEY\" -H \"Content-Type: application/json\" \\\n  -d {ShellQuoted(body)}";
    }

    public string Python(PromptVersion prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var extra = JsonSerializer.Serialize(HttpBody(prompt), Indented).Replace("\n", "\n    ", StringComparison.Ordinal);
        return "import os\nfrom openai import OpenAI\n\n"
            + $"client = OpenAI(base_url=\"{HttpBase}v1\", api_key=os.environ[\"HERD_KEY\"])\n"
            + "answer = client.completions.create(model=\"\", prompt=\"\", extra_body=" + extra + ")\n"
            + "print(answer.choices[0].text)";
    }

    public string Grpcurl(PromptVersion prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var call = new Dictionary<string, object>
        {
            ["id"] = prompt.Definition.Id,
            ["version"] = prompt.Definition.Version,
            ["variables"] = Variables(prompt),
        };
        var body = JsonSerializer.Serialize(new Dictionary<string, object> { ["prompt_call"] = call }, Indented);
        return $"grpcurl -plaintext -H \"authorization: Bearer $HERD_KEY\" \\\n  -d {ShellQuoted(body)} \\\n  {GrpcAddress} herd.v1.Completions/Complete";
    }

    private static Dictionary<string, object> HttpBody(PromptVersion prompt) => new()
    {
        ["prompt_id"] = prompt.Definition.Id,
        ["prompt_version"] = prompt.Definition.Version,
        ["variables"] = Variables(prompt),
    };

    private static Dictionary<string, string> Variables(PromptVersion prompt) =>
        prompt.Definition.Variables.ToDictionary(variable => variable.Name, variable => variable.DefaultValue, StringComparer.Ordinal);

    /// <summary>Text a POSIX shell reads back as it is: in single quotes, each single quote closed, escaped and opened again.</summary>
    private static string ShellQuoted(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
