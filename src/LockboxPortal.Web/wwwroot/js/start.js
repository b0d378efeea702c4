// Starts Blazor (blazor.web.js is loaded with autostart="false") without the two requests it would otherwise make, one
// after the other, before a circuit can start: GET _blazor/initializers (the server's list of JS initializer modules) and
// POST _blazor/negotiate (SignalR's transport negotiation). Each was a round trip between the prerendered page and the
// live circuit (docs/performance.md, "Where a full load's and a next-page click's time goes in Chromium").
// - The portal ships no JS initializers (no *.lib.module.js in the app or its packages), so the list is given here as
//   empty; a test fails if the server's list stops being empty.
// - The circuit connects straight to the hub over a WebSocket. Azure SignalR Service needs the negotiate (it answers
//   with the service's address), and so does a network whose proxy blocks WebSockets (Circuits:Negotiate=true lets
//   SignalR fall back to long polling): then the page says so in data-negotiate and the negotiate stays.
(() => {
    'use strict';
    const negotiate = document.currentScript?.dataset.negotiate === 'true';
    Blazor.start({
        circuit: {
            initializers: { beforeStart: [], afterStarted: [] },
            configureSignalR: builder => {
                if (!negotiate) builder.withUrl('_blazor', { skipNegotiation: true, transport: 1 /* HttpTransportType.WebSockets */ });
            },
        },
    });
})();
