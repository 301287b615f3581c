using System.Text.Json.Serialization;

namespace Herd.Gateway.Ledger.Outbox;

/// <summary>How outbox entries and open requests are written into Redis; generated, so no reflection on the hot path.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OutboxEntry))]
[JsonSerializable(typeof(OpenRequest))]
internal sealed partial class OutboxJson : JsonSerializerContext;
