using System.Net;
using System.Net.Sockets;

namespace MyBlog.Api.Hosting;

/// <summary>
/// Who counts as one reader for per-reader limits. An IPv4 address is one reader; an IPv6 address is one of the
/// 2^64 in its /64, which a single home or phone is routinely given (RFC 6177) — partitioned by address, one visitor
/// would have limits without end. So IPv6 readers are counted by their /64, and an IPv4 address in IPv6 form is
/// counted as the IPv4 address.
/// </summary>
public static class ClientPartition
{
    public static string Of(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public static string Of(HttpContext context) => Of(context.Connection.RemoteIpAddress);
}
