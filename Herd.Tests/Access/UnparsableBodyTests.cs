using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;

namespace Herd.Tests.Access;

/// <summary>
/// Bodies that are not the method's protobuf message, sent to every method of every Herd service
/// on a real gateway, with a key and without: each is answered INVALID_ARGUMENT saying the request
/// could not be parsed (or, for a method whose messages are read after the key check, UNAUTHENTICATED
/// without a key), never UNKNOWN; the gateway logs no stack trace for them and goes on serving.
/// </summary>
public sealed class UnparsableBodyTests(AccessHerdFixture fixture) : IClassFixture<AccessHerdFixture>
{
    private static readonly ServiceDescriptor[] Services =
    [
        Contracts.V1.Completions.Descriptor,
        Contracts.V1.Catalog.Descriptor,
        Contracts.V1.Keys.Descriptor,
        Contracts.V1.UsageReports.Descriptor,
        Contracts.V1.History.Descriptor,
        Contracts.V1.Account.Descriptor,
        Contracts.V1.NodeLink.Descriptor,
    ];

    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(bytes => bytes, bytes => bytes);

    public static TheoryData<string> Methods()
    {
        var methods = new TheoryData<string>();
        foreach (var method in Services.SelectMany(service => service.Methods))
        {
            methods.Add(method.FullName);
        }

        return methods;
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task HostileBodies_AreInvalidArgument_WithAndWithoutAKey(string methodName)
    {
        var method = Services.SelectMany(service => service.Methods).Single(candidate => candidate.FullName == methodName);
        var key = await fixture.KeyAsync("admin");
        var gateway = fixture.Herd.Gateways[0];
        var invoker = gateway.Channel.CreateCallInvoker();

        foreach (var (body, what) in HostileBodies(method.InputType))
        {
            foreach (var headers in new[] { AccessHerdFixture.Bearer(key), new Metadata() })
            {
                var status = await CallAsync(invoker, method, body, headers);

                var keyed = headers.Count > 0;
                // A streamed message is read by the method, after the key check; a single one before it.
                var expected = keyed || !method.IsClientStreaming ? [StatusCode.InvalidArgument] : new[] { StatusCode.InvalidArgument, StatusCode.Unauthenticated };
                Assert.True(expected.Contains(status.StatusCode), $"{method.FullName}, {what}, {(keyed ? "with" : "without")} a key: {status}");
                if (status.StatusCode == StatusCode.InvalidArgument)
                {
                    Assert.Contains("could not be parsed", status.Detail, StringComparison.Ordinal);
                }
            }
        }

        var served = await StreamedCompletion.RunAsync(gateway.Completions, MeshClient.Request("hello", 1), headers: AccessHerdFixture.Bearer(key));
        Assert.Equal(1, served.Done.Usage.CompletionTokens);
        Assert.DoesNotContain("Exception was thrown by handler", gateway.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("at Google.Protobuf.", gateway.Process.Output, StringComparison.Ordinal);
    }

    /// <summary>Random, truncated and bit-flipped bytes, each checked here not to parse as the method's message.</summary>
    private static IEnumerable<(byte[] Body, string What)> HostileBodies(MessageDescriptor input)
    {
        var random = new Random(input.FullName.Length);
        var candidates = new List<(byte[], string)>
        {
            // Field 1, length-delimited, announcing 100 bytes and carrying 3.
            ([0x0A, 0x64, 0x61, 0x62, 0x63], "truncated"),
            // A varint that never ends.
            ([0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "overlong varint"),
            // Wire type 7 does not exist.
            ([0x0F, 0x01], "bit-flipped wire type"),
            // Field number 0 is not allowed.
            ([0x00, 0x01], "field zero"),
        };
        for (var i = 0; i < 50 && candidates.Count < 8; i++)
        {
            var bytes = new byte[random.Next(1, 64)];
            random.NextBytes(bytes);
            candidates.Add((bytes, $"random {bytes.Length} bytes"));
        }

        foreach (var (body, what) in candidates)
        {
            if (!Parses(input, body))
            {
                yield return (body, what);
            }
        }
    }

    private static bool Parses(MessageDescriptor input, byte[] body)
    {
        try
        {
            input.Parser.ParseFrom(body);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private static async Task<Status> CallAsync(CallInvoker invoker, MethodDescriptor method, byte[] body, Metadata headers)
    {
        var type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var raw = new Method<byte[], byte[]>(type, method.Service.FullName, method.Name, Raw, Raw);
        var options = new CallOptions(headers, DateTime.UtcNow.AddSeconds(20));
        try
        {
            switch (type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(raw, null, options, body);
                    break;
                case MethodType.ServerStreaming:
                    using (var call = invoker.AsyncServerStreamingCall(raw, null, options, body))
                    {
                        while (await call.ResponseStream.MoveNext())
                        {
                        }
                    }

                    break;
                case MethodType.ClientStreaming:
                    using (var call = invoker.AsyncClientStreamingCall(raw, null, options))
                    {
                        await WriteAndCompleteAsync(call.RequestStream, body);
                        await call;
                    }

                    break;
                default:
                    using (var call = invoker.AsyncDuplexStreamingCall(raw, null, options))
                    {
                        await WriteAndCompleteAsync(call.RequestStream, body);
                        while (await call.ResponseStream.MoveNext())
                        {
                        }
                    }

                    break;
            }
        }
        catch (RpcException exception)
        {
            return exception.Status;
        }

        return Status.DefaultSuccess;
    }

    private static async Task WriteAndCompleteAsync(IClientStreamWriter<byte[]> writer, byte[] body)
    {
        try
        {
            await writer.WriteAsync(body);
            await writer.CompleteAsync();
        }
        catch (RpcException)
        {
            // The gateway answered before the body went: the status says why.
        }
    }
}
