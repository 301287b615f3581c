using System.Buffers.Binary;
using System.Net;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Ledger;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;
using Microsoft.EntityFrameworkCore;

namespace Herd.Tests.Access;

/// <summary>
/// What a hostile or careless client may send on the request path: each gets a clear error or is
/// served as it should be, the ledger records it faithfully, and nothing else changes.
/// </summary>
public sealed class HostileInputTests(AccessHerdFixture fixture) : IClassFixture<AccessHerdFixture>
{
    private TestHerd Herd => fixture.Herd;

    [Fact]
    public async Task SqlLookingModelAndRequestId_AreRefusedAsUnknown_AndRecordedVerbatim_WithTheLedgerIntact()
    {
        var key = await fixture.KeyAsync("user");
        var clientId = $"x'); DELETE FROM usage_records; -- {Guid.NewGuid():N}";
        var request = MeshClient.Request("hello", 2);
        request.Model = "herd-tiny'; DROP TABLE api_keys; --";
        request.RequestId = clientId;

        var error = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(Herd.Gateways[0].Completions, request, headers: AccessHerdFixture.Bearer(key)));
        var record = await RecordAsync(clientId);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal((request.Model, "NOT_FOUND"), (record.Model, record.Status));
        await using var ledger = fixture.Ledger.CreateContext();
        Assert.True(await ledger.ApiKeys.AnyAsync());
        Assert.True(await ledger.Usage.AnyAsync(usage => usage.ClientRequestId == clientId));
    }

    [Fact]
    public async Task OversizedRequestIdAndModel_AreInvalidArguments_AndTheirRecordsStillLand()
    {
        var key = await fixture.KeyAsync("user");
        var marker = Guid.NewGuid().ToString("N");
        var request = MeshClient.Request("hello", 2);
        request.RequestId = marker + new string('r', 10_000);
        request.Model = new string('m', 50_000);

        var error = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(Herd.Gateways[0].Completions, request, headers: AccessHerdFixture.Bearer(key)));
        var record = await RecordAsync(marker + new string('r', UsageRecord.MaxClientRequestIdLength - marker.Length));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("model must name a served model", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(("INVALID_ARGUMENT", UsageRecord.MaxModelLength), (record.Status, record.Model.Length));
    }

    [Fact]
    public async Task MessageLargerThanTheGatewayTakes_IsRefusedBeforeAnythingRuns()
    {
        var key = await fixture.KeyAsync("user");
        var request = MeshClient.Request(new string('p', 5 * 1024 * 1024), 2);

        var error = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(Herd.Gateways[0].Completions, request, headers: AccessHerdFixture.Bearer(key)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task UnknownFields_AreIgnored_AsProtobufPromises_AndTheRequestIsServed()
    {
        var key = await fixture.KeyAsync("user");
        var clientId = Guid.NewGuid().ToString("N");
        var known = MeshClient.Request("hello", 2);
        known.RequestId = clientId;
        // Field 99, length-delimited, with text in it: a newer client's field this gateway does not know.
        var unknownField = new byte[] { 0x9A, 0x06, 0x05 }.Concat(Encoding.ASCII.GetBytes("extra")).ToArray();
        var request = CompletionRequest.Parser.ParseFrom([.. known.ToByteArray(), .. unknownField]);

        var served = await StreamedCompletion.RunAsync(Herd.Gateways[0].Completions, request, headers: AccessHerdFixture.Bearer(key));
        var record = await RecordAsync(clientId);

        Assert.Equal(unknownField.Length, request.CalculateSize() - known.CalculateSize());
        Assert.Equal(2, served.Done.Usage.CompletionTokens);
        Assert.Equal(("OK", 2), (record.Status, record.CompletionTokens));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x80 })]
    [InlineData(new byte[] { 0xC3, 0x28, 0xA0, 0xA1 })]
    public async Task NonUtf8BytesInTheKeyHeader_AreUnauthenticated_AndChangeNothing(byte[] bytes)
    {
        await using var before = fixture.Ledger.CreateContext();
        var keys = await before.ApiKeys.CountAsync();

        var (httpStatus, grpcStatus, message) = await RawCallAsync("Bearer herd_" + Encoding.Latin1.GetString(bytes));

        await using var after = fixture.Ledger.CreateContext();
        Assert.Equal(HttpStatusCode.OK, httpStatus);
        Assert.Equal(((int)StatusCode.Unauthenticated).ToString(System.Globalization.CultureInfo.InvariantCulture), grpcStatus);
        Assert.False(string.IsNullOrEmpty(message));
        Assert.Equal(keys, await after.ApiKeys.CountAsync());
    }

    /// <summary>A Complete call with a header value of raw bytes, which no gRPC client library would send.</summary>
    private async Task<(HttpStatusCode Status, string? GrpcStatus, string? Message)> RawCallAsync(string authorization)
    {
        using var handler = new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1 };
        using var http = new HttpClient(handler);
        var payload = MeshClient.Request("hello", 1).ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, Herd.Gateways[0].GrpcUrl + "/herd.v1.Completions/Complete")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        Assert.True(request.Headers.TryAddWithoutValidation("authorization", authorization));
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        string? Header(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var trailing) ? trailing.First()
            : response.Headers.TryGetValues(name, out var leading) ? leading.First() : null;
        return (response.StatusCode, Header("grpc-status"), Header("grpc-message"));
    }

    private async Task<UsageRecord> RecordAsync(string clientRequestId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using var ledger = fixture.Ledger.CreateContext();
            if (await ledger.Usage.SingleOrDefaultAsync(record => record.ClientRequestId == clientRequestId) is { } record)
            {
                return record;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No record of request '{clientRequestId}' reached the ledger.");
            await Task.Delay(100);
        }
    }
}
