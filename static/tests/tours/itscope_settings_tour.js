/** @odoo-module */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("itscope_settings_tour", {
    steps: () => [
        {
            content: "The ITscope block is in the Purchase settings",
            trigger: "#itscope_account",
        },
        {
            content: "Enter the account id",
            trigger: "div[name=itscope_account_id] input",
            run: "edit tour-account",
        },
        {
            content: "Enter the API key",
            trigger: "div[name=itscope_api_key] input",
            run: "edit tour-key",
        },
        {
            content: "Test the connection",
            trigger: "button[name=action_itscope_test_connection]",
            run: "click",
        },
        {
            content: "ITscope says it works",
            trigger: ".o_notification_content:contains(Connected to ITscope as account tour-account)",
        },
    ],
});
