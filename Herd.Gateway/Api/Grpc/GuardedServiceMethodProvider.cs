using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Herd.Gateway.Api.Grpc;

/// <summary>
/// Finds a service's methods the way gRPC's own provider does (the generated <c>BindService</c>),
/// but binds each with its request marshaller guarded by <see cref="UnparsableRequests"/>. It
/// takes the place of gRPC's provider (see <see cref="GrpcServerExtensions.AddGrpcServer"/>).
/// </summary>
public sealed class GuardedServiceMethodProvider<TService>(UnparsableRequests guard) : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var bindService = FindBindService(typeof(TService));
        if (bindService is null)
        {
            return;
        }

        // With no service instance, BindService hands over each method's description only.
        bindService.Invoke(null, [new Binder(context, guard), null]);
    }

    /// <summary>The generated static <c>BindService(ServiceBinderBase, TBase)</c> named by the base class's <see cref="BindServiceMethodAttribute"/>.</summary>
    private static MethodInfo? FindBindService(Type serviceType)
    {
        for (var type = serviceType; type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>() is { } attribute)
            {
                return attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                    .FirstOrDefault(method => method.Name == attribute.BindMethodName
                        && method.GetParameters() is [{ ParameterType: var binder }, _]
                        && binder == typeof(ServiceBinderBase));
            }
        }

        return null;
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, UnparsableRequests guard) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(guard.Guard(method), Metadata(method), Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(method));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(guard.Guard(method), Metadata(method), Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(guard.Guard(method), Metadata(method), Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(guard.Guard(method), Metadata(method), Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method));

        /// <summary>Calls the service's override of the method (or the generated base, which answers UNIMPLEMENTED).</summary>
        private static TDelegate Invoker<TDelegate>(IMethod method)
            where TDelegate : Delegate =>
            (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), ServiceMethod(method));

        /// <summary>The attributes of the service and its method, as gRPC puts them on the endpoint (authorization and the like).</summary>
        private static List<object> Metadata(IMethod method) =>
            [.. typeof(TService).GetCustomAttributes(inherit: true), .. ServiceMethod(method).GetCustomAttributes(inherit: true)];

        private static MethodInfo ServiceMethod(IMethod method) =>
            typeof(TService).GetMethods(BindingFlags.Public | BindingFlags.Instance).FirstOrDefault(candidate => candidate.Name == method.Name && candidate.IsVirtual)
            ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {method.Name} for {method.FullName}.");
    }
}
