import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";

/**
 * "Viewed by the customer", told by a person's browser, not by a mail scanner opening the link:
 * once the invoice page has been on screen for two seconds, one beacon to our own server, with a
 * signed ticket of the invoice (never its link's token) and the CSRF token. Nothing else is
 * tracked, and nothing goes to a third party.
 */
export class InvoicecloudInvoiceViewed extends Interaction {
    static selector = ".o_invoicecloud_viewed[data-ticket]";

    setup() {
        this.sent = false;
        this.waiting = false;
    }

    start() {
        this.addListener(document, "visibilitychange", this.schedule);
        this.schedule();
    }

    schedule() {
        if (this.sent || this.waiting || document.visibilityState !== "visible") {
            return;
        }
        this.waiting = true;
        this.waitForTimeout(() => {
            this.waiting = false;
            if (document.visibilityState === "visible") {
                this.send();
            }
        }, 2000);
    }

    send() {
        if (this.sent) {
            return;
        }
        this.sent = true;
        const body = new URLSearchParams({ csrf_token: odoo.csrf_token, ticket: this.el.dataset.ticket });
        navigator.sendBeacon("/invoicecloud/beacon/view", body);
    }
}

registry
    .category("public.interactions")
    .add("invoicecloud_payments.invoice_viewed", InvoicecloudInvoiceViewed);
