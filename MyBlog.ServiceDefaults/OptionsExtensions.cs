using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MyBlog.ServiceDefaults;

public static class OptionsExtensions
{
    /// <summary>
    /// Options checked at start-up by <paramref name="validator"/>, the validator the options source generator writes
    /// from their data annotations (<c>[OptionsValidator]</c>): no reflection, so it runs the same in a Native AOT
    /// build. Bind at the call site with <c>BindConfiguration(section)</c>, where the binder generator sees the type.
    /// </summary>
    public static OptionsBuilder<T> ValidatedBy<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(this OptionsBuilder<T> options, IValidateOptions<T> validator) where T : class
    {
        options.Services.AddSingleton(validator);
        return options.ValidateOnStart();
    }
}
