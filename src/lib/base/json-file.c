/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON files below the root, parsed by jansson, and typed access to their
 * values with errors that say file:line:column.  jansson keeps no position
 * of a value, so an error walks the (already valid) text along the value's
 * path — member names and element indices — to find where it starts.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

/* ---- errors and problem lists -------------------------------------------- */

char *vgpu_error_format(const struct vgpu_error *err, char *buf, size_t size)
{
        if (!size)
                return buf;
        if (err->line > 0 && err->column > 0)
                snprintf(buf, size, "%s:%d:%d: %s", err->source, err->line, err->column, err->text);
        else if (err->line > 0)
                snprintf(buf, size, "%s:%d: %s", err->source, err->line, err->text);
        else
                snprintf(buf, size, "%s: %s", err->source, err->text);
        return buf;
}

int vgpu_problem_push(struct vgpu_error **problems, size_t *n, const struct vgpu_error *err)
{
        struct vgpu_error *slot = vgpu_array_push(problems, n, sizeof(**problems));

        if (!slot)
                return -ENOMEM;
        *slot = *err;
        return 0;
}

/* ---- loading ------------------------------------------------------------- */

void vgpu_json_file_free(struct vgpu_json_file *file)
{
        if (!file)
                return;
        json_decref(file->json);
        free(file->text);
        free(file->source);
        free(file);
}

static int read_error(const char *path, int r, struct vgpu_error *err)
{
        switch (r) {
        case -EFBIG:
                return vgpu_error_set(err, r, path, 0, 0, "larger than %d KiB", VGPU_JSON_FILE_MAX / 1024);
        case -EISDIR:
                return vgpu_error_set(err, r, path, 0, 0, "a directory, expected a JSON file");
        case -EINVAL:
                return vgpu_error_set(err, r, path, 0, 0, "not a regular file");
        default:
                return vgpu_error_set(err, r, path, 0, 0, "cannot read: %s", strerror(-r));
        }
}

static bool all_space(const char *s, size_t len)
{
        return strspn(s, " \t\r\n") == len;
}

bool vgpu_json_error_is_oom(const json_error_t *jerr)
{
        /* jansson leaves the text empty where an allocation failed unreported. */
        return !jerr->text[0] || json_error_code(jerr) == json_error_out_of_memory;
}

/* Process-wide, as jansson's allocator is; the hook and vgpuctl are single-threaded. */
static bool jansson_oom;

static void *noting_malloc(size_t size)
{
        void *p = malloc(size);

        if (!p)
                jansson_oom = true;
        return p;
}

/*
 * jansson 2.14's lexer drops a byte when its token buffer cannot grow
 * (lex_save() ignores the failure) and parses on: a key or value comes
 * back shortened, or a bogus syntax error is reported.  Its unpacker fails
 * without saying why.  So every allocation jansson makes is watched.
 */
void vgpu_json_oom_reset(void)
{
        static bool installed;

        if (!installed) {
                json_set_alloc_funcs(noting_malloc, free);
                installed = true;
        }
        jansson_oom = false;
}

bool vgpu_json_oom_seen(void)
{
        return jansson_oom;
}

json_t *vgpu_json_loadb(const char *text, size_t len, size_t flags, json_error_t *jerr)
{
        json_t *json;

        vgpu_json_oom_reset();
        json = json_loadb(text, len, flags, jerr);
        if (jansson_oom) {
                json_decref(json);
                json = NULL;
                if (jerr)
                        jerr->text[0] = '\0'; /* vgpu_json_error_is_oom() */
        }
        return json;
}

/* Parse @text (taken: freed on failure too) as the file @source. */
static int file_from_text(const char *source, char *text, size_t len, struct vgpu_json_file **ret,
                          struct vgpu_error *err)
{
        struct vgpu_json_file *file = calloc(1, sizeof(*file));
        struct vgpu_json_node top;
        json_error_t jerr;
        int r = 0;

        if (!file || !(file->source = strdup(source))) {
                free(text);
                free(file);
                return -ENOMEM;
        }
        file->text = text;
        file->len = len;
        if (all_space(text, file->len))
                r = vgpu_error_set(err, EINVAL, source, 0, 0, "empty, expected a JSON object");
        else if (!(file->json = vgpu_json_loadb(text, file->len, JSON_REJECT_DUPLICATES, &jerr)))
                r = vgpu_json_error_is_oom(&jerr)
                            ? vgpu_error_set(err, ENOMEM, source, 0, 0, "out of memory")
                            : vgpu_error_set(err, EINVAL, source, jerr.line, jerr.column, "%s", jerr.text);
        else if (!json_is_object(file->json)) {
                top = vgpu_json_root(file);
                r = vgpu_json_error(&top, false, err, EINVAL, "expected an object");
        }
        if (r < 0) {
                vgpu_json_file_free(file);
                return r;
        }
        *ret = file;
        return 0;
}

int vgpu_json_file_parse(const char *source, const char *text, size_t len, struct vgpu_json_file **ret,
                         struct vgpu_error *err)
{
        char *copy;

        if (len > VGPU_JSON_FILE_MAX)
                return read_error(source, -EFBIG, err);
        copy = malloc(len + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, text, len);
        copy[len] = '\0';
        return file_from_text(source, copy, len, ret, err);
}

int vgpu_json_file_load(const struct vgpu_root *root, const char *path, struct vgpu_json_file **ret,
                        struct vgpu_error *err)
{
        char *text = NULL;
        int r = vgpu_root_read_file(root, path, VGPU_JSON_FILE_MAX, &text);

        if (r < 0)
                return read_error(path, r, err);
        return file_from_text(path, text, (size_t)r, ret, err);
}

/* ---- nodes --------------------------------------------------------------- */

struct vgpu_json_node vgpu_json_root(const struct vgpu_json_file *file)
{
        return (struct vgpu_json_node){.file = file, .value = file->json};
}

struct vgpu_json_node vgpu_json_member(const struct vgpu_json_node *obj, const char *key, json_t *value)
{
        return (struct vgpu_json_node){.file = obj->file, .up = obj, .key = key, .value = value};
}

struct vgpu_json_node vgpu_json_element(const struct vgpu_json_node *array, size_t index)
{
        return (struct vgpu_json_node){
                .file = array->file, .up = array, .index = index, .value = json_array_get(array->value, index)};
}

/* ---- finding a value in the text ----------------------------------------- */

struct scan {
        const char *s;
        size_t len, pos;
};

static void skip_space(struct scan *sc)
{
        while (sc->pos < sc->len && sc->s[sc->pos] && strchr(" \t\r\n", sc->s[sc->pos]))
                sc->pos++;
}

/* At a '"': move past the closing quote. */
static void skip_string(struct scan *sc)
{
        for (sc->pos++; sc->pos < sc->len && sc->s[sc->pos] != '"'; sc->pos++)
                if (sc->s[sc->pos] == '\\')
                        sc->pos++;
        sc->pos++;
}

static void skip_value(struct scan *sc)
{
        int depth = 0;

        while (sc->pos < sc->len) {
                char c = sc->s[sc->pos];

                if (c == '"') {
                        skip_string(sc);
                } else if (c == '{' || c == '[') {
                        depth++;
                        sc->pos++;
                } else if (c == '}' || c == ']') {
                        if (depth == 0)
                                return; /* the end of a number or literal */
                        depth--;
                        sc->pos++;
                } else if (depth == 0 && strchr(", \t\r\n", c)) {
                        return;
                } else {
                        sc->pos++;
                }
                if (depth == 0 && (c == '"' || c == '}' || c == ']'))
                        return;
        }
}

/* Does the string token at sc->pos decode to @key?  Decoding handles escapes. */
static bool key_is(struct scan *sc, const char *key)
{
        size_t start = sc->pos;
        json_t *decoded;
        bool same;

        skip_string(sc);
        decoded = json_loadb(sc->s + start, sc->pos - start, JSON_DECODE_ANY, NULL);
        same = json_is_string(decoded) && strcmp(json_string_value(decoded), key) == 0;
        json_decref(decoded);
        return same;
}

/* At a '{': move to the value of member @key, its key's start in *key_pos. */
static bool find_member(struct scan *sc, const char *key, size_t *key_pos)
{
        for (sc->pos++;;) {
                size_t at;

                skip_space(sc);
                if (sc->pos >= sc->len || sc->s[sc->pos] != '"')
                        return false;
                at = sc->pos;
                if (key_is(sc, key)) {
                        skip_space(sc);
                        sc->pos++; /* ':' */
                        skip_space(sc);
                        *key_pos = at;
                        return true;
                }
                skip_space(sc);
                sc->pos++; /* ':' */
                skip_space(sc);
                skip_value(sc);
                skip_space(sc);
                sc->pos++; /* ',' or '}' */
        }
}

/* At a '[': move to element @index. */
static bool find_element(struct scan *sc, size_t index)
{
        sc->pos++;
        for (size_t i = 0; i < index; i++) {
                skip_space(sc);
                if (sc->pos >= sc->len || sc->s[sc->pos] == ']')
                        return false;
                skip_value(sc);
                skip_space(sc);
                sc->pos++; /* ',' */
        }
        skip_space(sc);
        return sc->pos < sc->len;
}

static bool locate(const struct vgpu_json_node *node, struct scan *sc, size_t *key_pos)
{
        size_t unused;

        if (!node->up) {
                skip_space(sc);
                *key_pos = sc->pos;
                return sc->pos < sc->len;
        }
        if (!locate(node->up, sc, &unused) || sc->pos >= sc->len)
                return false;
        if (node->key)
                return sc->s[sc->pos] == '{' && find_member(sc, node->key, key_pos);
        if (sc->s[sc->pos] != '[' || !find_element(sc, node->index))
                return false;
        *key_pos = sc->pos;
        return true;
}

/* Line and column (characters, from 1) of byte @pos. */
static void position(const char *s, size_t pos, int *line, int *column)
{
        *line = 1;
        *column = 1;
        for (size_t i = 0; i < pos; i++) {
                if (s[i] == '\n') {
                        ++*line;
                        *column = 1;
                } else if (((unsigned char)s[i] & 0xc0) != 0x80) {
                        ++*column;
                }
        }
}

/* "attrs[2].vgpu_params" into @buf. */
static void node_path(const struct vgpu_json_node *node, char *buf, size_t size)
{
        size_t len;

        if (!node->up) {
                buf[0] = '\0';
                return;
        }
        node_path(node->up, buf, size);
        len = strlen(buf);
        if (node->key)
                snprintf(buf + len, size - len, "%s%s", len ? "." : "", node->key);
        else
                snprintf(buf + len, size - len, "[%zu]", node->index);
}

int vgpu_json_error(const struct vgpu_json_node *node, bool at_key, struct vgpu_error *err, int errnum, const char *fmt,
                    ...)
{
        struct scan sc = {.s = node->file->text, .len = node->file->len};
        char path[128], text[256];
        int line = 0, column = 0;
        size_t key_pos;
        va_list ap;

        if (locate(node, &sc, &key_pos))
                position(sc.s, at_key ? key_pos : sc.pos, &line, &column);
        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        node_path(node, path, sizeof(path));
        if (!*path)
                return vgpu_error_set(err, errnum, node->file->source, line, column, "%s", text);
        return vgpu_error_set(err, errnum, node->file->source, line, column, "key '%s': %s", path, text);
}

/* ---- typed values -------------------------------------------------------- */

static const char *type_phrase(json_type type)
{
        switch (type) {
        case JSON_OBJECT:
                return "an object";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
                return "an integer";
        case JSON_TRUE:
        case JSON_FALSE:
                return "true or false";
        default:
                return "null";
        }
}

int vgpu_json_expect(const struct vgpu_json_node *node, json_type type, struct vgpu_error *err)
{
        json_type have = json_typeof(node->value);

        if (have == type || (type == JSON_TRUE && have == JSON_FALSE) || (type == JSON_FALSE && have == JSON_TRUE))
                return 0;
        return vgpu_json_error(node, false, err, EINVAL, "expected %s", type_phrase(type));
}

int vgpu_json_get_string(const struct vgpu_json_node *node, const char **ret, struct vgpu_error *err)
{
        int r = vgpu_json_expect(node, JSON_STRING, err);

        if (r < 0)
                return r;
        *ret = json_string_value(node->value);
        return 0;
}

int vgpu_json_get_bool(const struct vgpu_json_node *node, bool *ret, struct vgpu_error *err)
{
        int r = vgpu_json_expect(node, JSON_TRUE, err);

        if (r < 0)
                return r;
        *ret = json_is_true(node->value);
        return 0;
}

int vgpu_json_get_uint(const struct vgpu_json_node *node, unsigned max, unsigned *ret, struct vgpu_error *err)
{
        json_int_t v;

        if (!json_is_integer(node->value))
                return vgpu_json_error(node, false, err, EINVAL, "expected an integer from 0 to %u", max);
        v = json_integer_value(node->value);
        if (v < 0 || v > (json_int_t)max)
                return vgpu_json_error(node, false, err, EINVAL, "%lld is out of range: expected 0 to %u", (long long)v,
                                       max);
        *ret = (unsigned)v;
        return 0;
}

int vgpu_json_get_enum(const struct vgpu_json_node *node, const char *const *names, struct vgpu_error *err)
{
        char list[160] = "";
        const char *s;
        size_t len = 0;

        if (json_is_string(node->value)) {
                s = json_string_value(node->value);
                for (int i = 0; names[i]; i++)
                        if (strcmp(s, names[i]) == 0)
                                return i;
        }
        for (int i = 0; names[i] && len < sizeof(list); i++)
                len += (size_t)snprintf(list + len, sizeof(list) - len, "%s\"%s\"", i ? ", " : "", names[i]);
        return vgpu_json_error(node, false, err, EINVAL, "expected one of %s", list);
}

int vgpu_json_check_keys(const struct vgpu_json_node *obj, const char *const *allowed, struct vgpu_error *err)
{
        const char *key;
        json_t *value;

        json_object_foreach(obj->value, key, value)
        {
                struct vgpu_json_node member = vgpu_json_member(obj, key, value);
                char list[200] = "";
                size_t i, len = 0;

                for (i = 0; allowed[i] && strcmp(allowed[i], key) != 0; i++)
                        ;
                if (allowed[i])
                        continue;
                for (i = 0; allowed[i] && len < sizeof(list); i++)
                        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", allowed[i]);
                return vgpu_json_error(&member, true, err, EINVAL, "unknown key (known: %s)", list);
        }
        return 0;
}

int vgpu_json_get_pci_addr(const struct vgpu_json_node *node, struct vgpu_pci_addr *ret, struct vgpu_error *err)
{
        if (!json_is_string(node->value) || vgpu_pci_addr_read(json_string_value(node->value), ret) < 0)
                return vgpu_json_error(node, false, err, EINVAL,
                                       "expected a PCI address like \"0000:3b:00.0\" or \"3b:00.0\"");
        return 0;
}

static int cmp_addr(const void *a, const void *b)
{
        return vgpu_pci_addr_cmp(a, b);
}

int vgpu_json_get_pci_addrs(const struct vgpu_json_node *node, struct vgpu_pci_addr **ret, size_t *ret_n,
                            struct vgpu_error *err)
{
        size_t n = json_array_size(node->value);
        _cleanup_free_ struct vgpu_pci_addr *addrs = NULL;
        int r = vgpu_json_expect(node, JSON_ARRAY, err);

        if (r < 0)
                return r;
        addrs = calloc(n + 1, sizeof(*addrs));
        if (!addrs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct vgpu_json_node elem = vgpu_json_element(node, i);

                r = vgpu_json_get_pci_addr(&elem, &addrs[i], err);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < i; j++)
                        if (vgpu_pci_addr_cmp(&addrs[i], &addrs[j]) == 0)
                                return vgpu_json_error(&elem, false, err, EINVAL, "listed twice");
        }
        vgpu_qsort(addrs, n, sizeof(*addrs), cmp_addr);
        *ret = TAKE_PTR(addrs);
        *ret_n = n;
        return 0;
}
