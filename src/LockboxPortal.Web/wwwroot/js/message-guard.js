// Keeps the circuit alive when a field holds more text than one circuit message may carry.
// SignalR closes the whole connection on an oversized message, and the user would see only the reconnect
// banner; so an input or change event whose value would not fit is stopped here, in the capture phase on
// window (before Blazor's listeners on document see it), and the field says why beside it.
// The limit is rendered by the server into <meta name="lockbox-field-limit"> from the hub's own setting.
(() => {
    'use strict';
    const encoder = new TextEncoder();
    const kb = bytes => Math.ceil(bytes / 1024);

    const limit = () => Number(document.querySelector('meta[name="lockbox-field-limit"]')?.content) || 0;

    // The event carries the value as JSON text: escapes and UTF-8 both count.
    const encodedSize = value => encoder.encode(JSON.stringify(value)).length;

    const isField = el => el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement;

    const noticeOf = field => field.dataset.lbGuardNotice ? document.getElementById(field.dataset.lbGuardNotice) : null;

    function show(field, bytes, max) {
        let notice = noticeOf(field);
        if (!notice) {
            notice = document.createElement('div');
            notice.id = 'lb-guard-' + Math.random().toString(36).slice(2);
            notice.className = 'lb-message-guard';
            notice.setAttribute('role', 'alert');
            notice.dataset.testid = 'message-guard';
            (field.closest('.mud-input-control') ?? field).insertAdjacentElement('afterend', notice);
            field.dataset.lbGuardNotice = notice.id;
            field.setAttribute('aria-describedby', ((field.getAttribute('aria-describedby') ?? '') + ' ' + notice.id).trim());
        }
        notice.textContent = `This text is too long to send: ${kb(bytes)} KB; the limit is ${Math.floor(max / 1024)} KB. Shorten it.`;
        if (field.dataset.lbGuardInvalid === undefined) field.dataset.lbGuardInvalid = field.getAttribute('aria-invalid') ?? '';
        field.setAttribute('aria-invalid', 'true');
    }

    function clear(field) {
        const notice = noticeOf(field);
        if (!notice) return;
        notice.remove();
        delete field.dataset.lbGuardNotice;
        const rest = (field.getAttribute('aria-describedby') ?? '').split(' ').filter(id => id && id !== notice.id).join(' ');
        if (rest) field.setAttribute('aria-describedby', rest); else field.removeAttribute('aria-describedby');
        const invalid = field.dataset.lbGuardInvalid;
        delete field.dataset.lbGuardInvalid;
        if (invalid) field.setAttribute('aria-invalid', invalid); else field.removeAttribute('aria-invalid');
    }

    function guard(event) {
        const field = event.target;
        const max = limit();
        if (!isField(field) || max <= 0) return;
        const value = field.value ?? '';
        // At most 6 bytes per UTF-16 unit once escaped and encoded: short values need no measuring.
        const bytes = value.length * 6 <= max ? 0 : encodedSize(value);
        if (bytes <= max) {
            clear(field);
            return;
        }
        event.stopImmediatePropagation();
        show(field, bytes, max);
    }

    window.addEventListener('input', guard, true);
    window.addEventListener('change', guard, true);
})();
