package io.github.undertowstreaming.extension;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.jboss.as.controller.AttributeDefinition;
import org.jboss.as.controller.ExpressionResolver;
import org.jboss.as.controller.OperationFailedException;
import org.jboss.as.controller.SimpleAttributeDefinitionBuilder;
import org.jboss.as.controller.client.helpers.MeasurementUnit;
import org.jboss.as.controller.descriptions.ModelDescriptionConstants;
import org.jboss.as.controller.operations.validation.AllowedValuesValidator;
import org.jboss.as.controller.operations.validation.MinMaxValidator;
import org.jboss.as.controller.operations.validation.ParameterValidator;
import org.jboss.as.controller.registry.AttributeAccess;
import org.jboss.dmr.ModelNode;
import org.jboss.dmr.ModelType;

import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.internal.OptionsText;
import io.undertow.predicate.Predicate;
import io.undertow.server.handlers.builder.PredicatedHandlersParser;

/**
 * The subsystem's attributes: one per option of the {@code async-streaming} handler that has a
 * text form, under the same name (taken from the library's own table, {@link OptionsText#PARAMETERS}),
 * and {@code predicate}. The library checks every value, so a bad one is refused with the
 * library's message, the same that {@code async-streaming(...)} and the custom-filter give.
 *
 * <p>Every attribute takes effect on reload: the deployments' handlers are built once, when the
 * deployment starts.
 */
final class Attributes {

    /**
     * Which requests get the handler, in Undertow's predicate language. It is resolved inside the
     * deployment's chain: WildFly's {@code Host} routes to a deployment through Undertow's
     * {@code PathHandler}, which leaves the path after the context path as the relative path that
     * path predicates read ({@code %U}, the request URL, still has the whole path).
     */
    static final String PREDICATE = "predicate";

    /** The option {@code name} is left out: it names one handler's JMX MBean, and here every deployment has one. */
    private static final String LEFT_OUT = "name";

    /** Checked at boot, resolved when a deployment is wrapped: see {@link SubsystemOptions#streaming()}. */
    private static final String DISPATCH = "dispatch";

    /** Applied with {@link #DISPATCH}, which it needs. */
    private static final String MAX_DISPATCHED = "max-dispatched";

    /**
     * Whether the subsystem's metrics (and each deployment's) are read: {@code false}, the default
     * of WildFly's own subsystems, leaves them undefined (the library counts all the same, cheaply).
     * The layer writes it as WildFly's configurations do,
     * {@code ${wildfly.undertow-streaming.statistics-enabled:${wildfly.statistics-enabled:false}}},
     * so that {@code -Dwildfly.statistics-enabled=true} turns it on with the others. Read when a
     * metric is read: a write takes effect at once.
     */
    static final AttributeDefinition STATISTICS_ENABLED = new SimpleAttributeDefinitionBuilder(
            ModelDescriptionConstants.STATISTICS_ENABLED, ModelType.BOOLEAN, true)
            .setAllowExpression(true)
            .setDefaultValue(ModelNode.FALSE)
            .setFlags(AttributeAccess.Flag.RESTART_NONE)
            .build();

    /** The handler's options, in the library's order, then {@code predicate}. */
    static final List<AttributeDefinition> OPTIONS;

    /** {@link #OPTIONS}, then {@link #STATISTICS_ENABLED}: every attribute of the subsystem. */
    static final List<AttributeDefinition> ALL;

    static {
        List<AttributeDefinition> all = new ArrayList<>();
        for (Map.Entry<String, Class<?>> p : OptionsText.PARAMETERS.entrySet()) {
            if (!p.getKey().equals(LEFT_OUT)) {
                all.add(attribute(p.getKey(), type(p.getValue()), OptionsText.SPECS.get(p.getKey())));
            }
        }
        all.add(attribute(PREDICATE, ModelType.STRING, null));
        OPTIONS = Collections.unmodifiableList(all);
        List<AttributeDefinition> with = new ArrayList<>(all);
        with.add(STATISTICS_ENABLED);
        ALL = Collections.unmodifiableList(with);
    }

    private Attributes() {
    }

    private static ModelType type(Class<?> parameterType) {
        if (parameterType == Integer.class) {
            return ModelType.INT;
        }
        if (parameterType == Long.class) {
            return ModelType.LONG;
        }
        return ModelType.STRING;
    }

    /**
     * An option as an attribute: the library checks its values ({@link LibraryCheck}), and its
     * range, its words and its default ({@code spec}, the library's, null for none) are in its
     * description, where the console and {@code read-resource-description} show them.
     */
    private static AttributeDefinition attribute(String name, ModelType type, OptionsText.Spec spec) {
        SimpleAttributeDefinitionBuilder b = new SimpleAttributeDefinitionBuilder(name, type, true)
                .setAllowExpression(true)
                .setValidator(new LibraryCheck(name, spec))
                .setRestartAllServices();
        if (spec != null && spec.defaultValue() != null) {
            String d = spec.defaultValue();
            b.setDefaultValue(type == ModelType.INT ? new ModelNode(Integer.parseInt(d))
                    : type == ModelType.LONG ? new ModelNode(Long.parseLong(d)) : new ModelNode(d));
        }
        if (name.endsWith("-timeout") || name.equals("min-rate-grace")) {
            b.setMeasurementUnit(MeasurementUnit.MILLISECONDS);
        } else if (name.equals("chunk-size") || name.equals("read-budget")) {
            b.setMeasurementUnit(MeasurementUnit.BYTES);
        }
        return b.build();
    }

    /**
     * The options and the predicate that {@code model} describes, expressions resolved by
     * {@code resolver} (the operation's context). All attributes go into one builder before it is
     * built, so the library's checks of options that only work together ({@code max-dispatched}
     * needs {@code dispatch}) see the whole model, whatever order the attributes were written in.
     * {@code dispatch} and {@code max-dispatched} are checked together here and applied when a
     * deployment is wrapped: {@code dispatch=virtual} needs virtual threads only where the server
     * runs, not in the JVM that wrote the model.
     */
    static SubsystemOptions options(ExpressionResolver resolver, ModelNode model) throws OperationFailedException {
        StreamingOptions.Builder b = StreamingOptions.builder();
        Predicate predicate = null;
        String dispatch = null;
        String maxDispatched = null;
        for (AttributeDefinition a : OPTIONS) {
            if ((a.getName().equals(DISPATCH) || a.getName().equals(MAX_DISPATCHED)) && !model.hasDefined(a.getName())) {
                continue; // their defaults (worker, 0) are the library's; left out, the boot line does not name them
            }
            ModelNode value = a.resolveModelAttribute(resolver, model);
            if (!value.isDefined()) {
                continue;
            }
            if (a.getName().equals(PREDICATE)) {
                predicate = predicate(value.asString());
            } else if (a.getName().equals(DISPATCH)) {
                check(DISPATCH, value.asString());
                dispatch = value.asString();
            } else if (a.getName().equals(MAX_DISPATCHED)) {
                check(MAX_DISPATCHED, value.asString());
                maxDispatched = value.asString();
            } else {
                apply(b, a.getName(), value.asString());
            }
        }
        try {
            OptionsText.checkDispatchPair(dispatch, maxDispatched);
            return new SubsystemOptions(b.build(), dispatch, maxDispatched, predicate);
        } catch (IllegalArgumentException e) {
            throw new OperationFailedException(e.getMessage(), e);
        }
    }

    /** The library's parsing, its IllegalArgumentException turned into a management failure with the same message. */
    private static void apply(StreamingOptions.Builder b, String name, String text) throws OperationFailedException {
        try {
            OptionsText.apply(b, name, text);
        } catch (IllegalArgumentException e) {
            throw new OperationFailedException(e.getMessage(), e);
        }
    }

    /** The library's check, which resolves nothing that depends on the JVM; failures as in {@link #apply}. */
    private static void check(String name, String text) throws OperationFailedException {
        try {
            OptionsText.check(name, text);
        } catch (IllegalArgumentException e) {
            throw new OperationFailedException(e.getMessage(), e);
        }
    }

    /**
     * Checks a value as it is written, unless it is an expression (checked when it is resolved, by
     * {@link #options}). Replaces WildFly's type check, so that even {@code chunk-size=abc} gets
     * the library's message. Nothing that depends on the JVM is resolved here: the JVM that runs a
     * management operation is not always the server's (wildfly-maven-plugin's packaging scripts
     * run in an embedded server on the build's JVM), so {@code dispatch=virtual} passes on Java 17.
     * It tells the model description the option's bounds ({@code min}, {@code max}) and words
     * ({@code allowed}), from the library's {@link OptionsText#SPECS}.
     */
    static final class LibraryCheck implements ParameterValidator, MinMaxValidator, AllowedValuesValidator {
        private final String name;
        private final OptionsText.Spec spec;

        LibraryCheck(String name, OptionsText.Spec spec) {
            this.name = name;
            this.spec = spec;
        }

        @Override
        public void validateParameter(String parameterName, ModelNode value) throws OperationFailedException {
            if (value.isDefined() && value.getType() != ModelType.EXPRESSION) {
                if (name.equals(PREDICATE)) {
                    predicate(value.asString());
                } else {
                    check(name, value.asString());
                }
            }
        }

        @Override
        public Long getMin() {
            return spec == null ? null : spec.min();
        }

        @Override
        public Long getMax() {
            return spec == null ? null : spec.max();
        }

        @Override
        public List<ModelNode> getAllowedValues() {
            if (spec == null || spec.words().isEmpty()) {
                return null;
            }
            List<ModelNode> words = new ArrayList<>();
            spec.words().forEach(w -> words.add(new ModelNode(w)));
            return words;
        }
    }

    private static Predicate predicate(String text) throws OperationFailedException {
        try {
            // Undertow's own class loader sees its built-in predicates (path-prefix, regex, ...)
            return PredicatedHandlersParser.parsePredicate(text, PredicatedHandlersParser.class.getClassLoader());
        } catch (RuntimeException e) {
            throw SubsystemMessages.MESSAGES.badPredicate(text, e.getMessage());
        }
    }
}
