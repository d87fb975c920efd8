package dev.kforge.core.json;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A tree of records (kforge's model: records of strings, numbers, booleans, enums, Optionals,
 * Lists, Maps with string keys, and records) as a JSON tree and back, by their components, so a
 * component added to a record is carried without a change here. An Optional is a list of zero or
 * one element. {@code decode(encode(r), r.getClass())} equals {@code r}.
 */
public final class RecordTrees {

    private RecordTrees() {}

    /** The JSON tree of {@code value}; IllegalArgumentException for a type outside the model's. */
    public static Object encode(Object value) {
        if (value == null
                || value instanceof String
                || value instanceof Boolean
                || value instanceof Integer
                || value instanceof Long) {
            return value;
        }
        if (value instanceof Enum<?> e) {
            return e.name();
        }
        if (value instanceof Optional<?> o) {
            return o.map(v -> List.of(encode(v))).orElse(List.of());
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(v -> out.add(encode(v)));
            return out;
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put((String) k, encode(v)));
            return out;
        }
        if (value instanceof Record r) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    out.put(c.getName(), encode(c.getAccessor().invoke(r)));
                } catch (IllegalAccessException | InvocationTargetException e) {
                    throw new IllegalArgumentException(
                            "cannot read " + r.getClass().getName() + "." + c.getName(), e);
                }
            }
            return out;
        }
        throw new IllegalArgumentException(
                "not a model value: " + value.getClass().getName());
    }

    /** The value of {@code type} that {@link #encode} wrote as {@code tree}; IllegalArgumentException when it is not one. */
    @SuppressWarnings("unchecked")
    public static <T> T decode(Object tree, Class<T> type) {
        return (T) decode(tree, (Type) type);
    }

    private static Object decode(Object tree, Type type) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        try {
            if (raw == String.class) {
                return (String) tree;
            }
            if (raw == boolean.class || raw == Boolean.class) {
                return (Boolean) tree;
            }
            if (raw == int.class || raw == Integer.class) {
                return ((Number) tree).intValue();
            }
            if (raw == long.class || raw == Long.class) {
                return ((Number) tree).longValue();
            }
            if (raw.isEnum()) {
                return enumValue(raw, (String) tree);
            }
            if (raw == Optional.class) {
                List<?> l = (List<?>) tree;
                if (l.size() > 1) {
                    throw new IllegalArgumentException("an Optional has at most one element");
                }
                return l.isEmpty() ? Optional.empty() : Optional.of(decode(l.get(0), argument(type, 0)));
            }
            if (raw == List.class) {
                List<Object> out = new ArrayList<>();
                for (Object e : (List<?>) tree) {
                    out.add(decode(e, argument(type, 0)));
                }
                return out;
            }
            if (raw == SortedMap.class || raw == Map.class) {
                Map<String, Object> out = raw == SortedMap.class ? new TreeMap<>() : new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) tree).entrySet()) {
                    out.put((String) e.getKey(), decode(e.getValue(), argument(type, 1)));
                }
                return out;
            }
            if (raw.isRecord()) {
                Map<?, ?> m = (Map<?, ?>) tree;
                RecordComponent[] cs = raw.getRecordComponents();
                Class<?>[] types = new Class<?>[cs.length];
                Object[] args = new Object[cs.length];
                for (int i = 0; i < cs.length; i++) {
                    types[i] = cs[i].getType();
                    if (!m.containsKey(cs[i].getName())) {
                        throw new IllegalArgumentException(raw.getSimpleName() + " lacks " + cs[i].getName());
                    }
                    args[i] = decode(m.get(cs[i].getName()), cs[i].getGenericType());
                }
                Constructor<?> canonical = raw.getDeclaredConstructor(types);
                return canonical.newInstance(args);
            }
        } catch (ClassCastException | NullPointerException | ReflectiveOperationException e) {
            throw new IllegalArgumentException("not a " + type.getTypeName() + ": " + e, e);
        }
        throw new IllegalArgumentException("not a model type: " + type.getTypeName());
    }

    private static Type argument(Type type, int i) {
        if (!(type instanceof ParameterizedType p)) {
            throw new IllegalArgumentException("a raw " + type.getTypeName() + " cannot be decoded");
        }
        return p.getActualTypeArguments()[i];
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumValue(Class<?> type, String name) {
        return Enum.valueOf((Class<? extends Enum>) type, name);
    }
}
