using Grpc.Core;
using Grpc.Net.Client;
using Herd.AppHost.Extensions;
using Herd.AppHost.Lifecycle;
using Herd.Contracts.V1;

namespace Herd.AppHost.Commands;

/// <summary>
/// "New API key" on the gateway in the Aspire dashboard: asks what the key is for and its role,
/// creates it through the gateway's <c>herd.v1.Keys/CreateKey</c> with the herd's admin key (so the
/// ledger records who made it), and shows the key once.
/// </summary>
public static class NewApiKeyCommand
{
    public const string Name = "new-api-key";

    private const string KeyName = "name";
    private const string Role = "role";

    public static IResourceBuilder<ProjectResource> WithNewApiKeyCommand(this IResourceBuilder<ProjectResource> gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        return gateway.WithCommand(Name, "New API key", context => ExecuteAsync(gateway.Resource, context), new CommandOptions
        {
            Description = "Create an API key and show it once.",
            IconName = "Key",
            Arguments =
            [
                new InteractionInput { Name = KeyName, Label = "What the key is for", InputType = InputType.Text, Required = true, MaxLength = 100 },
                new InteractionInput
                {
                    Name = Role,
                    Label = "Role (from the gateway's roles file)",
                    InputType = InputType.Choice,
                    Required = true,
                    Options = [new("user", "user"), new("admin", "admin")],
                    AllowCustomChoice = true,
                    Value = "user",
                },
            ],
            UpdateState = context => context.ResourceSnapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
    }

    private static async Task<ExecuteCommandResult> ExecuteAsync(ProjectResource gateway, ExecuteCommandContext context)
    {
        if (!gateway.TryGetLastAnnotation<AdminKeyFileAnnotation>(out var keyFile)
            || await BootstrapKeyFile.ReadAsync(keyFile.Path, TimeSpan.Zero, context.CancellationToken) is not { } adminKey)
        {
            return CommandResults.Failure("The herd's admin key is not there yet: the gateway writes it once its ledger is ready.");
        }

        var request = new CreateKeyRequest { Name = context.Arguments.GetString(KeyName) ?? string.Empty, Role = context.Arguments.GetString(Role) ?? string.Empty };
        using var channel = GrpcChannel.ForAddress(gateway.GetEndpoint("grpc").Url);
        try
        {
            var created = await new Keys.KeysClient(channel).CreateKeyAsync(
                request, new Metadata { { "authorization", "Bearer " + adminKey } }, cancellationToken: context.CancellationToken);
            return CommandResults.Success(
                $"Created key {created.Key.KeyId} ({created.Key.Role}) for '{created.Key.Name}'. Copy it now: it is not shown again.",
                created.Secret, CommandResultFormat.Text, displayImmediately: true);
        }
        catch (RpcException exception)
        {
            return CommandResults.Failure($"The gateway refused: {exception.Status.Detail} ({exception.StatusCode})");
        }
    }
}
